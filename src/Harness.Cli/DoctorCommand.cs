using Harness.Configuration;
using Harness.Testbeds.Proxmox.Doctor;
using Spectre.Console;

namespace Harness.Cli;

/// <summary><c>doctor [--provision]</c>: the preflight check of the Proxmox cluster named by the HARNESS_PVE_* settings.</summary>
public static class DoctorCommand
{
    public const string Usage = """
        doctor [--provision]
            checks the Proxmox VE cluster of the current HARNESS_PVE_* settings before a run: version, the token's
            privileges (PVE 8 and 9 names), template, storages, bridge, and every request a run sends against the
            node's own API schema; --provision also provisions one guest, logs in over SSH and removes it.
            exit 0: nothing blocks a run; 1: a finding blocks a run; 2: bad settings or arguments
        """;

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (args.Any(a => a is not "--provision"))
        {
            console.WriteLine(Usage);
            return args.All(a => a is "--help" or "-h") ? 0 : 2;
        }
        PveOptions pve;
        try
        {
            pve = PveOptions.Load(OptionsLoader.ReadEnvironment());
        }
        catch (HarnessConfigurationException e)
        {
            console.WriteLine(e.Message);
            return 2;
        }
        var report = await ProxmoxDoctor.RunAsync(pve, args.Contains("--provision"), m => console.WriteLine(m), cancellationToken);
        // Unwrapped, so each finding stays one line a script can grep.
        console.Profile.Out.Writer.Write(report.Render());
        return report.ExitCode;
    }
}
