// Package heapsize measures how much heap objects take, for the benchmarks
// that report bytes per cached object.
package heapsize

import "runtime"

// PerObject builds n objects with build, keeps them all, and returns the
// heap they hold, in bytes per object (after a collection before and after).
func PerObject(n int, build func(i int) any) float64 {
	keep := make([]any, n)
	before := heapAlloc()
	for i := range keep {
		keep[i] = build(i)
	}
	per := float64(heapAlloc()-before) / float64(n)
	runtime.KeepAlive(keep)
	return per
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
