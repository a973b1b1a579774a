#!/bin/sh
# Test hosts only. Docker masks parts of /proc and /sys in every container. A dockerd
# running inside one with userns-remap then cannot mount /proc or a fresh sysfs for
# its own containers (the kernel refuses while a mount hides part of them). Lift the
# masks at boot, as `--security-opt systempaths=unconfined` would (Molecule's docker
# driver cannot pass that option).
for path in /proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys \
  /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug \
  /proc/scsi /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger \
  /sys/firmware /sys/devices/virtual/powercap; do
  while mountpoint -q "$path" 2>/dev/null; do umount -l "$path" 2>/dev/null || break; done
done
exit 0
