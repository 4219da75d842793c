package servers

// Entry is a Ready server with its key.
type Entry struct {
	Key    Key
	Server *Server
}

// All returns the Ready servers, in no particular order.
func (s *Registry) All() []Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Entry, 0, len(s.m))
	for k, srv := range s.m {
		out = append(out, Entry{Key: k, Server: srv})
	}
	return out
}
