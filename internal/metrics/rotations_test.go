package metrics

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRotatedCountsByResultAndForgetDropsTheClient(t *testing.T) {
	Rotated("team", "billing", "Replace", nil)
	Rotated("team", "billing", "Replace", errors.New("HTTP 503"))
	Rotated("team", "billing", "Replace", errors.New("HTTP 503"))
	Rotated("team", "orders", "Overlap", nil)
	if got := testutil.ToFloat64(rotations.WithLabelValues("team", "billing", "Replace", RotationSucceeded)); got != 1 {
		t.Errorf("succeeded = %v, want 1", got)
	}
	if got := testutil.ToFloat64(rotations.WithLabelValues("team", "billing", "Replace", RotationFailed)); got != 2 {
		t.Errorf("failed = %v, want 2", got)
	}
	Forget("team", "billing")
	if n := testutil.CollectAndCount(rotations); n != 1 {
		t.Errorf("%d series after forgetting billing, want orders' one", n)
	}
	Forget("team", "orders")
}
