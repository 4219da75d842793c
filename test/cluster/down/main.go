// Command down tears down a test cluster left up (make test-cluster
// CLUSTER_KEEP=1) or left behind by a run that died: processes, mounts,
// cgroups, iptables chains, the bridge, the node address, sysctls.
//
//	go run ./test/cluster/down [state directory]
package main

import (
	"fmt"
	"os"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/cluster"
)

func main() {
	dir := cluster.DefaultStateDir()
	if d := os.Getenv("CLUSTER_STATE_DIR"); d != "" {
		dir = d
	}
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "down: "+format+"\n", args...) }
	if err := cluster.Teardown(dir, logf); err != nil {
		fmt.Fprintln(os.Stderr, "down:", err)
		os.Exit(1)
	}
}
