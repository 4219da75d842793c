package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

const (
	// leaseName is cmd/main.go's LeaderElectionID.
	leaseName = "oauth-client-operator.oauth.clientoperator.io"
	// acquiredLease is what client-go's leader election logs on winning.
	acquiredLease = "successfully acquired lease"
	// leaderConcurrency is each manager's --concurrency: at most this many
	// registrations are in flight when the leader dies.
	leaderConcurrency = 4
)

// leaderArgs make a failover take about 5s instead of controller-runtime's
// 15s+: a standby takes an unrenewed lease over after 4s, retrying every 1s.
var leaderArgs = []string{
	"--leader-elect",
	"--leader-election-lease-duration", "4s",
	"--leader-election-renew-deadline", "3s",
	"--leader-election-retry-period", "1s",
	"--concurrency", fmt.Sprint(leaderConcurrency),
}

// TestLeaderFailoverCreatesNoDuplicates runs two managers with leader
// election, creates OAuthClients, kills the leader with SIGKILL while they
// are being created and reconciled, and checks that the standby takes over,
// that every OAuthClient ends Ready with working credentials, and that no
// client was registered twice.
//
// The only extra clients allowed are those of the documented crash window:
// the leader may die between the server's answer to a registration and the
// write of its record, leaving a client nobody knows of (see the crash
// test's after-remote-create). Such a client was issued no later than the
// kill, by the leader, at most one per OAuthClient and one per worker; a
// client registered by the new leader on top of a recorded one would be
// issued after the kill, and the standby's log proves it started no worker
// while the old leader led.
func TestLeaderFailoverCreatesNoDuplicates(t *testing.T) {
	const total, killAfterReady = 30, 5
	h := setup(t)
	start := time.Now()
	operatorNS := h.newNamespace(t, "e2e-leader-operator", false)
	ns := h.newNamespace(t, "e2e-leader", true)
	opts := func(name string) managerOptions {
		return managerOptions{name: name, operatorNamespace: operatorNS, namespaces: ns, args: leaderArgs}
	}
	leader, standby := h.waitLeader(t, h.startManager(t, opts("a")), h.startManager(t, opts("b")))
	firstHolder := h.leaseHolder(t, operatorNS)
	h.waitServerReady(t, ns)

	names := make([]string, total)
	for i := range names {
		names[i] = fmt.Sprintf("c-%02d", i)
	}
	var creating sync.WaitGroup
	creating.Go(func() {
		for _, name := range names {
			oac := clientObject(ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
			if err := h.k8s.Create(context.Background(), oac); err != nil {
				t.Errorf("creating OAuthClient %s: %v", name, err)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	defer creating.Wait()

	waitFor(t, fmt.Sprintf("%d OAuthClients Ready before the kill", killAfterReady), func() (bool, string) {
		n := h.countReady(ns, names)
		return n >= killAfterReady, fmt.Sprintf("%d Ready", n)
	})
	leader.kill()
	killedAt := time.Now()
	readyAtKill := h.countReady(ns, names)
	t.Logf("killed leader %s with %d of %d OAuthClients Ready", leader.name, readyAtKill, total)

	waitFor(t, "the standby to acquire the lease", func() (bool, string) {
		return hasAcquired(standby.logText(t)), "not yet"
	})
	failover := time.Since(killedAt)
	if holder := h.leaseHolder(t, operatorNS); holder == firstHolder {
		t.Errorf("the lease still names the killed leader after the standby took over")
	}
	creating.Wait()
	waitFor(t, fmt.Sprintf("all %d OAuthClients Ready", total), func() (bool, string) {
		n := h.countReady(ns, names)
		return n == total, fmt.Sprintf("%d Ready", n)
	})
	allReady := time.Since(killedAt)

	leftovers := h.checkOneClientEach(t, ns, names, killedAt)
	checkStandbyWaited(t, standby)
	checkNoSecretLogged(t, append(h.secretsOf(t, ns, operatorNS), h.initialAccessToken), leader, standby)
	t.Logf("failover: the standby acquired the lease %s after the kill; all %d Ready %s after the kill; "+
		"%d Ready at the kill; %d client(s) left in the crash window; %s in all",
		failover.Round(100*time.Millisecond), total, allReady.Round(100*time.Millisecond),
		readyAtKill, leftovers, time.Since(start).Round(100*time.Millisecond))
}

// waitLeader waits until exactly one of the managers has acquired the
// lease and returns it first.
func (h *harness) waitLeader(t *testing.T, a, b *managerProc) (leader, standby *managerProc) {
	t.Helper()
	waitFor(t, "a leader", func() (bool, string) {
		switch aWon, bWon := hasAcquired(a.logText(t)), hasAcquired(b.logText(t)); {
		case aWon && bWon:
			t.Fatalf("both managers acquired the lease")
		case aWon:
			leader, standby = a, b
		case bWon:
			leader, standby = b, a
		}
		return leader != nil, "no manager acquired the lease"
	})
	return leader, standby
}

// hasAcquired says whether a manager's log shows it won the lease.
func hasAcquired(log string) bool {
	return strings.Contains(strings.ToLower(log), acquiredLease)
}

// leaseHolder returns the holder identity of the leader-election lease.
func (h *harness) leaseHolder(t *testing.T, operatorNS string) string {
	t.Helper()
	var lease coordinationv1.Lease
	if err := h.k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNS, Name: leaseName}, &lease); err != nil {
		t.Fatalf("reading the leader-election lease: %v", err)
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatal("the leader-election lease names no holder")
	}
	return *lease.Spec.HolderIdentity
}

// countReady counts the named OAuthClients of ns that are Ready.
func (h *harness) countReady(ns string, names []string) int {
	n := 0
	for _, name := range names {
		if ok, _ := h.clientReady(ns, name); ok {
			n++
		}
	}
	return n
}

// checkOneClientEach checks that each OAuthClient's Secret works and that
// the server holds exactly that client under its name, apart from clients
// left in the crash window: issued no later than the kill, held by no
// Secret, at most one per OAuthClient and one per worker of the killed
// leader. It returns how many such clients it found.
func (h *harness) checkOneClientEach(t *testing.T, ns string, names []string, killedAt time.Time) int {
	t.Helper()
	remote := h.remoteClients(t)
	leftovers := 0
	for _, name := range names {
		data := h.secretData(t, ns, name)
		h.checkToken(t, data, "read")
		current := string(data["client_id"])
		held, unrecorded := 0, 0
		for _, c := range remote[ns+"/"+name] {
			switch {
			case c.ID == current:
				held++
			case c.IssuedAt.Unix() <= killedAt.Unix():
				unrecorded++
				t.Logf("%s: client %q, issued %s before the kill, is held by no Secret: the crash window",
					name, c.ID, killedAt.Sub(c.IssuedAt).Round(time.Second))
			default:
				t.Errorf("%s: client %q was registered after the kill besides the Secret's %q: a duplicate", name, c.ID, current)
			}
		}
		if held != 1 {
			t.Errorf("%s: the server holds %d clients with the Secret's id %q, want 1", name, held, current)
		}
		if unrecorded > 1 {
			t.Errorf("%s: %d unrecorded clients issued before the kill; one registration can leave at most one", name, unrecorded)
		}
		leftovers += unrecorded
	}
	if leftovers > leaderConcurrency {
		t.Errorf("%d clients were left unrecorded, more than the %d registrations the leader could have had in flight",
			leftovers, leaderConcurrency)
	}
	return leftovers
}

// checkStandbyWaited checks that the standby started no controller before
// it won the lease: two managers never reconciled at once.
func checkStandbyWaited(t *testing.T, standby *managerProc) {
	t.Helper()
	log := strings.ToLower(standby.logText(t))
	won := strings.Index(log, acquiredLease)
	started := strings.Index(log, "starting workers")
	if started >= 0 && started < won {
		t.Errorf("the standby started its workers before it acquired the lease (log: %s)", standby.logPath)
	}
	if started < 0 {
		t.Errorf("the standby never started its workers (log: %s)", standby.logPath)
	}
}
