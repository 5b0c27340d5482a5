using System.Text;

namespace Harness.Testbeds.Proxmox.Doctor;

public enum DoctorStatus
{
    Ok,

    /// <summary>Worth knowing, does not stop a run.</summary>
    Warning,

    /// <summary>Not checked (optional, or the node cannot tell).</summary>
    Skipped,

    /// <summary>A run with these settings would fail.</summary>
    Blocking,
}

/// <summary>One finding of the preflight check, with what to do about it.</summary>
public sealed record DoctorFinding(string Check, DoctorStatus Status, string Detail, string? Fix = null);

/// <summary>All findings; the exit code is non-zero when one of them blocks a run.</summary>
public sealed record DoctorReport(IReadOnlyList<DoctorFinding> Findings)
{
    public bool Blocks => Findings.Any(f => f.Status == DoctorStatus.Blocking);

    public int ExitCode => Blocks ? 1 : 0;

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var f in Findings)
        {
            var mark = f.Status switch
            {
                DoctorStatus.Ok => " ok ",
                DoctorStatus.Warning => "warn",
                DoctorStatus.Skipped => "skip",
                _ => "FAIL",
            };
            text.Append('[').Append(mark).Append("] ").Append(f.Check).Append(": ").AppendLine(f.Detail);
            if (f.Fix is not null) text.Append("       fix: ").AppendLine(f.Fix);
        }
        var blocking = Findings.Count(f => f.Status == DoctorStatus.Blocking);
        text.AppendLine(blocking == 0
            ? $"{Findings.Count} checks, nothing blocks a run"
            : $"{Findings.Count} checks, {blocking} would stop a run");
        return text.ToString();
    }
}
