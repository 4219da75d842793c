package cluster

import "github.com/oauth-client-operator/oauth-client-operator/test/testutil/cluster/host"

// recordHost records the host's state before the node changes it, in
// host.json, so that teardown (in this run or a later one) puts it back.
func (c *Cluster) recordHost() error {
	h, err := host.Record(c.cfg.NodeIP, bridgeName, cniNetwork, c.bin["kube-proxy"])
	if err != nil {
		return err
	}
	c.host = h
	return h.Save(c.dir)
}

// addNodeIP puts the node's address on lo: reachable from the host and from
// pods (through the bridge's gateway), from nowhere else.
func (c *Cluster) addNodeIP() error {
	if !c.host.AddedIP {
		return nil
	}
	_, err := host.Run("ip", "addr", "add", c.cfg.NodeIP+"/32", "dev", "lo")
	return err
}
