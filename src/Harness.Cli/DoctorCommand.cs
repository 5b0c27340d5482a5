using Harness.Configuration;
using Harness.Testbeds.Proxmox.Doctor;
using Spectre.Console;

namespace Harness.Cli;

/// <summary><c>doctor [--provision]</c>: the preflight check of the Proxmox cluster named by the HARNESS_PVE_* settings.</summary>
public static class DoctorCommand
{
    public static async Task<int> RunAsync(bool provision, IAnsiConsole console, CancellationToken cancellationToken)
    {
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
        var report = await ProxmoxDoctor.RunAsync(pve, provision, console.Sink(), cancellationToken);
        // Unwrapped, so each finding stays one line a script can grep.
        console.Profile.Out.Writer.Write(report.Render());
        return report.ExitCode;
    }
}
