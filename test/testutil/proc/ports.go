package proc

import (
	"fmt"
	"net"
)

// FreePorts returns n distinct ports on 127.0.0.1 that were free a moment
// ago: each listener is held until all are found, so none is returned
// twice. Another process could take one before the caller listens; on
// loopback in tests and the demo that is rare.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
