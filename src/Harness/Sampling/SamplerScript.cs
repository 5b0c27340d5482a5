using System.Globalization;

namespace Harness.Sampling;

/// <summary>
/// The in-guest sampler: a bash loop that prints one line of raw counters per interval on stdout, streamed over
/// one SSH channel, and one more line at once whenever a line arrives on its stdin (a counter snapshot at a
/// segment's edge, tagged req=N, so no new SSH exec runs inside the guest at every edge). With a zero interval
/// it prints one line and exits. It uses shell builtins only (read, printf; the read timeout replaces sleep), so
/// its own cost stays tiny; every value is reset before it is read, so a file that cannot be read leaves its
/// counter out instead of repeating the last value.
/// t is the guest's clock ($EPOCHREALTIME). Counter names: cpu_ns, mem_bytes, inactive_file, mem_limit, quota_us,
/// period_us, nr_periods, nr_throttled, throttled_ns (cgroup); user, nice, system, idle, iowait, irq, softirq,
/// steal, guest, guest_nice (USER_HZ ticks), mem_total, mem_available (bytes) (procfs); load_run_ns and
/// load_wait_ns, probe_run_ns and probe_wait_ns: time on a CPU and time runnable but waiting for one, summed from
/// /proc/PID/schedstat over the load generator's processes and over the probe (both sources).
/// </summary>
public static class SamplerScript
{
    /// <param name="loadProcessNames">Prefixes of the load generator's process names (<c>comm</c>).</param>
    public static string Command(SamplerSource source, TimeSpan interval, IEnumerable<string> loadProcessNames)
    {
        var mode = source == SamplerSource.Cgroup ? "cgroup" : "procfs";
        var seconds = interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var load = string.Join('|', loadProcessNames.Select(n => n + "*"));
        var body = Body.Replace("LOAD_NAMES", load, StringComparison.Ordinal);
        return $"exec env LC_ALL=C bash -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' harness-sampler {mode} {seconds}";
    }

    private const string Body = """
        mode=$1; iv=$2; cg=/sys/fs/cgroup; stdin=1; req=
        if [ "$mode" = cgroup ]; then
          if [ -f $cg/cpu.stat ] && [ -f $cg/memory.current ]; then mode=cgroup2
          else
            mode=cgroup1
            for d in $cg/cpuacct $cg/cpu,cpuacct $cg/cpuacct,cpu; do [ -f $d/cpuacct.usage ] && acct=$d; done
            for d in $cg/cpu $cg/cpu,cpuacct $cg/cpuacct,cpu; do [ -f $d/cpu.cfs_quota_us ] && cpu=$d; done
            mem=$cg/memory
          fi
        fi
        exec 9<> <(:)
        while :; do
          line="t=$EPOCHREALTIME"
          case $mode in
          cgroup2)
            while read -r k v; do case $k in
              usage_usec) line="$line cpu_ns=${v}000";; nr_periods) line="$line nr_periods=$v";;
              nr_throttled) line="$line nr_throttled=$v";; throttled_usec) line="$line throttled_ns=${v}000";; esac
            done < $cg/cpu.stat
            v=; read -r v < $cg/memory.current; line="$line mem_bytes=$v"
            v=; read -r v < $cg/memory.max; line="$line mem_limit=$v"
            q=; p=; read -r q p < $cg/cpu.max; line="$line quota_us=$q period_us=$p"
            while read -r k v; do [ "$k" = inactive_file ] && line="$line inactive_file=$v"; done < $cg/memory.stat
            ;;
          cgroup1)
            v=; read -r v < $acct/cpuacct.usage; line="$line cpu_ns=$v"
            v=; read -r v < $cpu/cpu.cfs_quota_us; line="$line quota_us=$v"
            v=; read -r v < $cpu/cpu.cfs_period_us; line="$line period_us=$v"
            while read -r k v; do case $k in
              nr_periods) line="$line nr_periods=$v";; nr_throttled) line="$line nr_throttled=$v";;
              throttled_time) line="$line throttled_ns=$v";; esac
            done < $cpu/cpu.stat
            v=; read -r v < $mem/memory.usage_in_bytes; line="$line mem_bytes=$v"
            v=; read -r v < $mem/memory.limit_in_bytes; line="$line mem_limit=$v"
            while read -r k v; do [ "$k" = total_inactive_file ] && line="$line inactive_file=$v"; done < $mem/memory.stat
            ;;
          procfs)
            us=; ni=; sy=; id=; io=; irq=; sirq=; st=; gu=; gn=
            read -r _ us ni sy id io irq sirq st gu gn _ < /proc/stat
            line="$line user=$us nice=$ni system=$sy idle=$id iowait=$io irq=$irq softirq=$sirq steal=${st:-0} guest=${gu:-0} guest_nice=${gn:-0}"
            while read -r k v _; do case $k in
              MemTotal:) line="$line mem_total=$((v * 1024))";; MemAvailable:) line="$line mem_available=$((v * 1024))";; esac
            done < /proc/meminfo
            ;;
          esac
          lr=0; lw=0; pr=0; pw=0
          for d in /proc/[0-9]*; do
            c=; read -r c 2>/dev/null < $d/comm || continue
            case $c in
              harness-probe) a=; b=; read -r a b _ 2>/dev/null < $d/schedstat && { pr=$((pr + a)); pw=$((pw + b)); };;
              LOAD_NAMES) a=; b=; read -r a b _ 2>/dev/null < $d/schedstat && { lr=$((lr + a)); lw=$((lw + b)); };;
            esac
          done
          printf '%s load_run_ns=%d load_wait_ns=%d probe_run_ns=%d probe_wait_ns=%d%s\n' "$line" $lr $lw $pr $pw "$req" || exit 0
          [ "$iv" = 0 ] && exit 0
          req=
          if [ $stdin = 1 ]; then
            r=; read -r -t "$iv" r; rc=$?
            if [ $rc = 0 ]; then req=" req=$r"; elif [ $rc -le 128 ]; then stdin=0; fi
          else
            read -t "$iv" -u 9 _
          fi
        done
        """;
}
