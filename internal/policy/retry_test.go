package policy

import (
	"testing"
	"time"
)

func TestSpreadCoversThePeriodEvenly(t *testing.T) {
	const period = 10 * time.Minute
	// Ten equal slices of [period/10, period*11/10]: 1000 first resyncs of
	// clients registered in one burst land in each of them, not in one.
	var slices [10]int
	for range 1000 {
		d := Spread(period)
		if d < period/10 || d > period+period/10 {
			t.Fatalf("Spread(%s) = %s, outside [%s, %s]", period, d, period/10, period+period/10)
		}
		slices[min(int((d-period/10)*10/period), 9)]++
	}
	for i, n := range slices {
		if n == 0 {
			t.Errorf("no first resync in slice %d of the period: %v", i, slices)
		}
	}
	if Spread(0) != 0 {
		t.Error("Spread(0) must be 0")
	}
}
