// Where a benchmark's CPU goes: the whole machine's busy time (every process: sshd, the login
// shell and the simulator of each simulated node, and dflow) and this process's own. On a
// machine that runs nothing else, the difference is what the rig costs, which on real nodes
// each node pays with its own CPU.
#pragma once

namespace dflow::bench {

// Seconds of CPU the machine has spent busy since boot, over all its cores (/proc/stat: user,
// nice, system, irq, softirq and steal time).
double MachineBusySeconds();

// Seconds of CPU this process has used (user and system).
double ProcessCpuSeconds();

}  // namespace dflow::bench
