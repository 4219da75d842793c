package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// otherProcesses is the key of processCPU's result for the CPU time of
// everything on the machine that is not the harness or its children.
const otherProcesses = "others"

// processCPU returns the CPU seconds (user+system) used so far by the
// harness and by each of its child processes (kube-apiserver, etcd, node,
// manager), keyed by process name (same-named processes are added up), and
// under otherProcesses the rest of the machine's busy time: other work
// sharing the cores disturbs the measurement, and this shows how much.
func processCPU() (map[string]float64, error) {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("reading /proc: %w", err)
	}
	out := map[string]float64{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // the process ended meanwhile
		}
		st, err := parseStat(string(data))
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		switch {
		case pid == self:
			out["harness"] += st.cpu
		case st.ppid == self:
			out[st.comm] += st.cpu
		}
	}
	busy, err := machineBusy()
	if err != nil {
		return nil, err
	}
	ours := 0.0
	for _, v := range out {
		ours += v
	}
	out[otherProcesses] = busy - ours
	return out, nil
}

// machineBusy is the busy CPU seconds of all cores since boot, from the
// first line of /proc/stat: user nice system idle iowait irq softirq steal.
func machineBusy() (float64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("reading /proc/stat: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return parseMachineBusy(line)
}

func parseMachineBusy(line string) (float64, error) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	busy := 0.0
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += v
	}
	return busy / clockTicks, nil
}

// procStat is the part of /proc/<pid>/stat the harness needs.
type procStat struct {
	comm string
	ppid int
	cpu  float64 // seconds
}

// parseStat reads "pid (comm) state ppid ... utime stime ...": comm may hold
// spaces and parentheses, so the fields are counted from the last ')'.
func parseStat(line string) (procStat, error) {
	open, closing := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return procStat{}, fmt.Errorf("no (comm)")
	}
	fields := strings.Fields(line[closing+1:])
	// fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(fields) < 13 {
		return procStat{}, fmt.Errorf("too few fields")
	}
	ppid, err1 := strconv.Atoi(fields[1])
	utime, err2 := strconv.ParseFloat(fields[11], 64)
	stime, err3 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, fmt.Errorf("bad number")
	}
	return procStat{comm: line[open+1 : closing], ppid: ppid, cpu: (utime + stime) / clockTicks}, nil
}

// cpuUse is the CPU seconds each process used in a phase.
type cpuUse struct {
	Seconds map[string]float64 `json:"seconds"`
	// MachinePercent is the harness and its children as a share of all
	// cores over the phase; OthersPercent is everything else on the machine.
	MachinePercent float64 `json:"machine_percent"`
	OthersPercent  float64 `json:"others_percent"`
}

// newCPUUse is after minus before over a phase of wall seconds on cores.
func newCPUUse(before, after map[string]float64, wall float64, cores int) cpuUse {
	u := cpuUse{Seconds: map[string]float64{}}
	total := 0.0
	for k, v := range diff(after, before) {
		u.Seconds[k] = round(v)
		if k != otherProcesses {
			total += v
		}
	}
	if wall > 0 && cores > 0 {
		capacity := wall * float64(cores)
		u.MachinePercent = round(total / capacity * 100)
		u.OthersPercent = round(max(after[otherProcesses]-before[otherProcesses], 0) / capacity * 100)
	}
	return u
}
