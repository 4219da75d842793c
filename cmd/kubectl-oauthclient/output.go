package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
)

// output is where a command prints. The first write error is kept (later
// writes are skipped) and run reports it once, so the commands print
// without checking every line.
type output struct {
	w   io.Writer
	err error
}

func (o *output) Write(b []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(b)
	o.err = err
	return n, err
}

func (o *output) printf(format string, a ...any) {
	_, _ = fmt.Fprintf(o, format, a...) // a failure stays in o.err
}

// table prints aligned columns (cells separated by tabs).
type table struct {
	output
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	return &table{output: output{w: tw}, tw: tw}
}

func (t *table) flush() error { return errors.Join(t.err, t.tw.Flush()) }
