using Harness.Configuration;
using Harness.Remote;
using Harness.Sampling;
using Harness.Testbeds;

namespace Harness.Tests.Running;

/// <summary>A backend without guests whose teardown the test holds open and counts.</summary>
internal sealed class FakeBackend : TestbedBackend<object>
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Teardowns => Volatile.Read(ref _teardowns);

    private int _teardowns;

    public override string Name => "fake";

    public override string HowToUse => "tests only, never HARNESS_BACKEND";

    public override object? Load(SettingsReader settings) => null;

    public override Task<ITestbed> CreateAsync(object? settings, TestbedRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<ITestbed>(new Testbed(this, request.RunId));

    private sealed class Testbed(FakeBackend backend, string runId) : ITestbed
    {
        public string RunId { get; } = runId;

        public IReadOnlyList<IGuest> Guests { get; } = [];

        public IReadOnlyDictionary<string, string> Facts { get; } = new Dictionary<string, string> { ["backend"] = "fake" };

        public async ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref backend._teardowns);
            await backend.Release.Task.ConfigureAwait(false);
        }
    }
}
