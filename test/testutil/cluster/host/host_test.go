package host

import (
	"slices"
	"testing"
)

func TestSplitRule(t *testing.T) {
	for in, want := range map[string][]string{
		`INPUT -j KUBE-FIREWALL`: {"INPUT", "-j", "KUBE-FIREWALL"},
		`INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`: {
			"INPUT", "-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes load balancer firewall", "-j", "KUBE-PROXY-FIREWALL"},
		`POSTROUTING  -j   KUBE-POSTROUTING`: {"POSTROUTING", "-j", "KUBE-POSTROUTING"},
	} {
		if got := splitRule(in); !slices.Equal(got, want) {
			t.Errorf("splitRule(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/tmp/plain`:            "/tmp/plain",
		`/tmp/with\040space`:    "/tmp/with space",
		`/tmp/tab\011and\134bs`: "/tmp/tab\tand\\bs",
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnder(t *testing.T) {
	for _, c := range []struct {
		path, dir string
		want      bool
	}{
		{"/tmp/c", "/tmp/c", true},
		{"/tmp/c/kubelet/pods", "/tmp/c", true},
		{"/tmp/c/", "/tmp/c", true},
		{"/tmp/cluster", "/tmp/c", false},
		{"/var/lib/kubelet", "/var/lib/kubelet/", true},
	} {
		if got := Under(c.path, c.dir); got != c.want {
			t.Errorf("Under(%q, %q) = %v", c.path, c.dir, got)
		}
	}
}

func TestFirstIP(t *testing.T) {
	ip, err := FirstIP("10.96.0.0/24")
	if err != nil || ip.String() != "10.96.0.1" {
		t.Errorf("FirstIP = %v, %v; want 10.96.0.1", ip, err)
	}
	if _, err := FirstIP("fd00::/64"); err == nil {
		t.Error("an IPv6 range is accepted")
	}
}

func TestOurs(t *testing.T) {
	for chain, want := range map[string]bool{
		"KUBE-SERVICES": true, "CNI-HOSTPORT-DNAT": true, "INPUT": false, "DOCKER": false, "KUBERNETES": false,
	} {
		if ours(chain) != want {
			t.Errorf("ours(%q) = %v", chain, !want)
		}
	}
}
