//go:build linux

package proc

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

func TestChildStop(t *testing.T) {
	tier.Integration(t)
	cases := []struct {
		name, script string
		wantErr      string // "" for none
	}{
		{"ended by SIGTERM is a clean stop", "echo ready; sleep 60", ""},
		{"exits 0 on SIGTERM", `trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done`, ""},
		{"exits with a failure status", `trap 'exit 3' TERM; echo ready; while :; do sleep 0.05; done`, "exit status 3"},
		{"ignores SIGTERM: killed", `trap '' TERM; echo ready; sleep 60`, "killed after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tc.script) //nolint:gosec // G204: the table's own fixed scripts
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			c, err := Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			// "ready" comes after the trap is installed.
			if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
				t.Fatalf("reading the child's ready line: %q, %v", line, err)
			}
			err = c.Stop(500 * time.Millisecond)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Stop: %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Stop: %v, want an error with %q", err, tc.wantErr)
			}
			select {
			case <-c.Done():
			default:
				t.Error("Done is not closed after Stop")
			}
		})
	}
}

func TestChildDoneWhenItExits(t *testing.T) {
	tier.Integration(t)
	c, err := Start(exec.Command("sh", "-c", "exit 7"))
	if err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "exit status 7") {
		t.Errorf("Err: %v, want exit status 7", err)
	}
}
