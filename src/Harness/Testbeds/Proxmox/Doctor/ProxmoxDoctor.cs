using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Harness.Configuration;
using Harness.Pve;
using Harness.Pve.Schema;
using Harness.Remote;

namespace Harness.Testbeds.Proxmox.Doctor;

/// <summary>
/// Preflight check of a real cluster for the current settings: version, token privileges, template, storages,
/// bridge, every request a run would send checked against the node's own API schema, and optionally one guest
/// provisioned and reached over SSH. Each finding says what to do about it.
/// </summary>
public static class ProxmoxDoctor
{
    /// <summary>Connects with <paramref name="pve"/> and checks; <paramref name="roundTrip"/> also provisions one guest.</summary>
    public static async Task<DoctorReport> RunAsync(PveOptions pve, bool roundTrip, ProgressSink progress, CancellationToken cancellationToken)
    {
        using var client = PveClient.Create(pve, m => progress("PVE: " + m));
        return await RunAsync(client, pve, roundTrip, progress, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<DoctorReport> RunAsync(PveClient client, PveOptions pve, bool roundTrip, ProgressSink progress, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        PveVersionInfo version;
        try
        {
            version = await client.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PveApiException e)
        {
            // Nothing else can be asked of a node that cannot be reached or refuses the token.
            findings.Add(new("connection", DoctorStatus.Blocking, e.Message));
            return new DoctorReport(findings);
        }
        var major = int.TryParse(version.Version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        findings.Add(major is 8 or 9
            ? new("PVE version", DoctorStatus.Ok, $"{version.Version} (release {version.Release})")
            : new("PVE version", DoctorStatus.Warning, $"{version.Version}: the harness is made for PVE 8 and 9", "expect surprises; report what fails"));

        await Step("cluster", findings, async () =>
        {
            var facts = new DoctorClusterChecks.TemplateFacts(null, null);
            if (pve.Kind == PveGuestKind.Vm)
            {
                var (templateFindings, f) = await DoctorClusterChecks.TemplatesAsync(client, pve, cancellationToken).ConfigureAwait(false);
                findings.AddRange(templateFindings);
                facts = f;
            }
            findings.AddRange(await DoctorClusterChecks.StoragesAsync(client, pve, cancellationToken).ConfigureAwait(false));
            var bridge = pve.Bridge ?? facts.Bridge;
            findings.AddRange(await DoctorClusterChecks.BridgeAsync(client, pve, bridge, cancellationToken).ConfigureAwait(false));
            var needs = DoctorPrivileges.For(pve, major, facts.DiskStorage, bridge);
            await Step("token privileges", findings, async () =>
                findings.AddRange(await DoctorPrivileges.CheckAsync(client, pve, major, needs, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await Step("API schema", findings, async () => findings.AddRange(await SchemaAsync(client, pve, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);

        if (!roundTrip) findings.Add(new("one-guest round trip", DoctorStatus.Skipped, "not asked for", "add --provision to provision one guest and log in to it"));
        else if (findings.Any(f => f.Status == DoctorStatus.Blocking)) findings.Add(new("one-guest round trip", DoctorStatus.Skipped, "not tried: fix the findings above first"));
        else await Step("one-guest round trip", findings, async () => findings.Add(await RoundTripAsync(pve, progress, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        return new DoctorReport(findings);
    }

    /// <summary>Every request of <see cref="ProxmoxRequestCatalogue"/> against the schema the node itself serves.</summary>
    private static async Task<IReadOnlyList<DoctorFinding>> SchemaAsync(PveClient client, PveOptions pve, CancellationToken cancellationToken)
    {
        var script = await client.GetApiDocAsync(cancellationToken).ConfigureAwait(false);
        if (script is null)
        {
            return [new("requests against the node's schema", DoctorStatus.Skipped, "the node does not serve /pve-docs/api-viewer/apidoc.js", "apt install pve-docs on the node to let doctor check every request")];
        }
        PveApiSchema schema;
        try
        {
            schema = PveApiSchema.FromApiDocJs(script);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return [new("requests against the node's schema", DoctorStatus.Warning, $"apidoc.js could not be read ({e.Message})")];
        }
        var findings = new List<DoctorFinding>();
        var catalogue = ProxmoxRequestCatalogue.Build(pve);
        foreach (var (purpose, request) in catalogue)
        {
            var check = schema.Validate(request.Method, "/" + request.Path, request.Parameters);
            if (!check.IsKnown)
            {
                findings.Add(new($"request for {purpose}", DoctorStatus.Blocking, $"{request.Method} /{request.Path} is not in this node's API", "upgrade the node (PVE 8.1 or later), or report it"));
            }
            else if (!check.IsValid)
            {
                findings.Add(new($"request for {purpose}", DoctorStatus.Blocking,
                    $"this node would refuse {request}: {string.Join("; ", check.Errors.Select(e => $"{e.Key}: {e.Value}"))}", "change the setting behind that parameter, or report it"));
            }
        }
        if (findings.Count == 0) findings.Add(new("requests against the node's schema", DoctorStatus.Ok, $"all {catalogue.Count} requests a run sends pass the node's own parameter check"));
        return findings;
    }

    private static async Task<DoctorFinding> RoundTripAsync(PveOptions pve, ProgressSink progress, CancellationToken cancellationToken)
    {
        var runId = "doctor-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        // The doctor reads only the PVE settings; its round trip is one short command, well inside the default limits.
        await using var testbed = await ProxmoxTestbed.CreateAsync(pve, 1, runId, SshKeyPair.Create("doctor"), RemoteShellOptions.Default, progress, cancellationToken)
            .ConfigureAwait(false);
        var guest = testbed.Guests[0];
        var result = await guest.Shell.RunAsync("uname -r", cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0
            ? new("one-guest round trip", DoctorStatus.Ok, string.Create(CultureInfo.InvariantCulture,
                $"{guest.Identity} provisioned and reached over SSH in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s (kernel {result.Output.Trim()}), then removed"))
            : new("one-guest round trip", DoctorStatus.Blocking, $"{guest.Identity}: 'uname -r' exited {result.ExitCode}");
    }

    /// <summary>A failed call ends its own check as a finding, not the whole preflight.</summary>
    private static async Task Step(string check, List<DoctorFinding> findings, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is PveApiException or PveTaskException or HarnessConfigurationException or TimeoutException)
        {
            findings.Add(new(check, DoctorStatus.Blocking, e.Message));
        }
    }
}
