using Harness.Configuration;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Harness.Fixtures;

/// <summary>
/// Provisions one backend's testbed once for its scenario rows and always tears it down. A backend that is not
/// the configured one is skipped with the reason its module gives; setup problems users can fix (bad settings,
/// Docker not running, no guest image, an unreachable Proxmox node — each module names its own) become one clear
/// message on every row instead of a stack trace.
/// </summary>
public abstract class TestbedFixture(IMessageSink diagnostics, string backendName) : IAsyncLifetime
{
    private readonly ITestbedBackend _backend = Backends.Named(backendName);

    private IsolationSession? _session;
    private IReadOnlyList<Scenario> _scenarios = [];

    /// <summary>Why these rows do not apply to this run (another backend is configured), or null.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>Why no scenario can run, or null.</summary>
    public string? SetupFailure { get; private set; }

    public IsolationSession Session => _session ?? throw new InvalidOperationException(SetupFailure ?? "the testbed was not provisioned");

    /// <summary>Lets a fixture change the run's settings, e.g. the negative control's overcommitted allocation.</summary>
    protected virtual HarnessOptions Adjust(HarnessOptions options) => options;

    /// <summary>
    /// Folder below HARNESS_OUTPUT_DIR for this fixture's runs ("" = that folder itself), so that a suite's run and
    /// the negative control's never mix and CI can publish the suite's.
    /// </summary>
    protected virtual string RunFolderGroup => "";

    private string NotConfigured(HarnessOptions options) =>
        $"not run: this is the {_backend.Name} backend's suite and HARNESS_BACKEND is {options.Backend} ({_backend.HowToUse})";

    public async ValueTask InitializeAsync()
    {
        try
        {
            var options = OptionsLoader.Load();
            if (options.Backend != _backend.Name)
            {
                SkipReason = NotConfigured(options);
                return;
            }
            options = Adjust(options);
            if (RunFolderGroup.Length > 0) options = options with { OutputDirectory = Path.Combine(options.OutputDirectory, RunFolderGroup) };
            _scenarios = ScenarioCatalog.Load(options);
            // As many guests as the largest row, each its rows' size; the default size derived again for them.
            options = GuestPlan.For(options, _scenarios, Environment.ProcessorCount, Progress,
                GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
            _session = await IsolationSession.StartAsync(options, Progress, TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is HarnessConfigurationException or ScenarioValidationException || _backend.IsUserFixable(e))
        {
            SetupFailure = e.Message;
            Progress(e.Message);
        }
    }

    private readonly System.Diagnostics.Stopwatch _elapsed = System.Diagnostics.Stopwatch.StartNew();
    private int _started;

    /// <summary>Announces a scenario with its place in the run, the time so far and an estimate of the time left.</summary>
    public void Starting(string scenario)
    {
        var k = Interlocked.Increment(ref _started);
        var n = Math.Max(k, _scenarios.Count);
        var elapsed = _elapsed.Elapsed;
        var left = k > 1 ? elapsed / (k - 1) * (n - k + 1) : (TimeSpan?)null;
        Progress($"scenario {k} of {n}: {scenario} — elapsed {elapsed:hh\\:mm\\:ss}"
                 + (left is { } l ? $", about {l:hh\\:mm\\:ss} left" : ""));
    }

    /// <summary>How an invalid row's message starts, so that CI can count invalid rows apart from failed and skipped ones.</summary>
    public const string InvalidRowMarker = "INVALID row (not judged)";

    private int _invalidRows;

    /// <summary>
    /// Counts an invalid row and says whether HARNESS_MAX_INVALID_ROWS still allows it (then it is skipped;
    /// otherwise it fails), with the message naming the setting.
    /// </summary>
    public (bool Allowed, string Message) Invalid(Analysis.Verdict verdict)
    {
        var n = Interlocked.Increment(ref _invalidRows);
        var max = Session.Options.MaxInvalidRows;
        var allowed = n <= max;
        var kind = verdict.Outcome == Analysis.Outcome.Inconclusive ? "inconclusive" : "invalid";
        return (allowed, $"{InvalidRowMarker}: {kind} row {n} of this run; HARNESS_MAX_INVALID_ROWS={max} "
                         + (allowed ? "allows it" : "allows no more") + ". " + string.Join("; ", verdict.Reasons));
    }

    /// <summary>
    /// Runs one scenario outside the theory rows (negative controls, fair shares): skipped or failed first as a row
    /// would be, its table printed to the test's output and the run's log under <paramref name="label"/>.
    /// </summary>
    public async Task<ScenarioResult> RunLoggedAsync(Scenario scenario, string label)
    {
        if (SkipReason is { } skip) Assert.Skip(skip);
        if (SetupFailure is { } failure) Assert.Fail(failure);
        var result = await Session.RunAsync(scenario, TestContext.Current.CancellationToken);
        var table = result.ToTable();
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        Progress($"{label}: {table.TrimEnd()}");
        return result;
    }

    public Scenario Scenario(string name) =>
        _scenarios.FirstOrDefault(s => s.Name == name)
        ?? PaperScenarios.All.FirstOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationException($"scenario '{name}' is not in this run's scenario set");

    public void Progress(string message) =>
        diagnostics.OnMessage(new DiagnosticMessage($"[harness {DateTime.Now:HH:mm:ss}] {message}"));

    public async ValueTask DisposeAsync()
    {
        if (_session is null) return;
        await _session.DisposeAsync();
        foreach (var line in _session.Summary().Split('\n', StringSplitOptions.RemoveEmptyEntries)) Progress(line.TrimEnd());
        GC.SuppressFinalize(this);
    }
}

/// <summary>The embedded testbed, sized so the guests together use at most ~80% of the host: isolation should hold.</summary>
public sealed class DockerTestbedFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "docker");

public sealed class ProxmoxTestbedFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "proxmox");

public sealed class StaticTestbedFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "static");

/// <summary>
/// The negative control: the same guests overcommitted (by default the host's cores each, so four guests ask for
/// four times the host), where neighbours really do interfere. The suite must catch it, or its checks cannot fail.
/// </summary>
public sealed class NegativeControlFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "docker")
{
    /// <summary>Its runs go below HARNESS_OUTPUT_DIR/negative-control/, apart from the suite's.</summary>
    public const string RunFolder = "negative-control";

    protected override string RunFolderGroup => RunFolder;

    protected override HarnessOptions Adjust(HarnessOptions options) =>
        options with { GuestCpus = options.NegativeControlCpus, ScenarioFile = null };
}

/// <summary>
/// Fair-share rows: an overcommitted allocation (HARNESS_FAIR_SHARE_CPUS, by default four guests asking for twice
/// the host), the only kind of testbed on which CPU weights decide anything. Its runs go below
/// HARNESS_OUTPUT_DIR/fair-share/.
/// </summary>
public sealed class FairShareFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "docker")
{
    public const string RunFolder = "fair-share";

    protected override string RunFolderGroup => RunFolder;

    protected override HarnessOptions Adjust(HarnessOptions options) =>
        options with { GuestCpus = options.FairShareCpus, ScenarioFile = null };
}

/// <summary>
/// The antagonist channels' negative control: the sized testbed with no disk limit (whatever
/// HARNESS_DOCKER_DISK_WRITE_* say), so a neighbour's disk and memory traffic reach its victims unhindered. Its runs
/// go below HARNESS_OUTPUT_DIR/channel-control/.
/// </summary>
public sealed class ChannelControlFixture(IMessageSink diagnostics) : TestbedFixture(diagnostics, "docker")
{
    public const string RunFolder = "channel-control";

    protected override string RunFolderGroup => RunFolder;

    protected override HarnessOptions Adjust(HarnessOptions options) => options with
    {
        ScenarioFile = null,
        BackendSettings = (options.BackendSettings as Testbeds.Docker.DockerSettings ?? Testbeds.Docker.DockerSettings.Default) with { WriteBytesPerSecond = 0, WriteIops = 0 },
    };
}
