using Harness.Configuration;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds.Docker;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Harness.Fixtures;

/// <summary>
/// Provisions the testbed once for the whole test assembly and always tears it down. Setup problems users can fix
/// (bad settings, Docker not running, no guest image) become one clear message on every scenario row instead of a
/// stack trace.
/// </summary>
public sealed class TestbedFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    private IsolationSession? _session;
    private IReadOnlyList<Scenario> _scenarios = [];

    /// <summary>Why no scenario can run, or null.</summary>
    public string? SetupFailure { get; private set; }

    public IsolationSession Session => _session ?? throw new InvalidOperationException(SetupFailure ?? "the testbed was not provisioned");

    public async ValueTask InitializeAsync()
    {
        try
        {
            var options = OptionsLoader.Load();
            _scenarios = ScenarioCatalog.Load(options);
            _session = await IsolationSession.StartAsync(options, Progress, TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is HarnessConfigurationException or ScenarioValidationException or DockerEngineUnavailableException
                                      or GuestImageUnavailableException)
        {
            SetupFailure = e.Message;
            Progress(e.Message);
        }
    }

    public Scenario Scenario(string name) =>
        _scenarios.FirstOrDefault(s => s.Name == name)
        ?? throw new InvalidOperationException($"scenario '{name}' is not in this run's scenario set");

    public void Progress(string message) =>
        diagnostics.OnMessage(new DiagnosticMessage($"[harness {DateTime.Now:HH:mm:ss}] {message}"));

    public async ValueTask DisposeAsync()
    {
        if (_session is null) return;
        await _session.DisposeAsync();
        foreach (var line in _session.Summary().Split('\n', StringSplitOptions.RemoveEmptyEntries)) Progress(line.TrimEnd());
    }
}
