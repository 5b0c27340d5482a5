namespace Harness.Sampling;

/// <summary>Where a guest's own usage can be read from inside it.</summary>
public enum SamplerSource
{
    /// <summary>A container: its cgroup (v1 or v2, detected in the guest). /proc/stat would show the whole host.</summary>
    Cgroup,

    /// <summary>A VM: /proc/stat and /proc/meminfo, which are the VM's own (steal kept separate).</summary>
    Procfs,
}
