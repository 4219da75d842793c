// Command hello is a stand-in binary for the image tests: small and quick to
// build for any platform.
package main

import "fmt"

func main() { fmt.Println("hello") }
