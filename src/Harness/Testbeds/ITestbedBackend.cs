using Harness.Configuration;
using Harness.Remote;

namespace Harness.Testbeds;

/// <summary>What a backend is handed to provision a run's guests.</summary>
public sealed record TestbedRequest(HarnessOptions Options, string RunId, SshKeyPair Key, ProgressSink Progress);

/// <summary>
/// A backend module, one folder under Testbeds/: its settings table, the loader that reads and checks them,
/// the factory of its testbed, and the setup failures a user can fix. <see cref="Backends.All"/> lists them.
/// </summary>
public interface ITestbedBackend
{
    /// <summary>The HARNESS_BACKEND value, lower case.</summary>
    string Name { get; }

    /// <summary>Its own settings (names without HARNESS_), read whichever backend runs so that typos are caught.</summary>
    IReadOnlyList<Setting> Settings { get; }

    /// <summary>Repository-relative file whose table documents <see cref="Settings"/>; the docs tests check it.</summary>
    string SettingsDocument { get; }

    /// <summary>What to set to use it: the skip reason of its suite when another backend is configured.</summary>
    string HowToUse { get; }

    /// <summary>Reads and checks its settings; problems go to <paramref name="settings"/>. Called only when it is the configured backend.</summary>
    object? Load(SettingsReader settings);

    /// <summary>Provisions the guests; removes what it created before it throws.</summary>
    Task<ITestbed> CreateAsync(TestbedRequest request, CancellationToken cancellationToken);

    /// <summary>A setup failure whose message alone tells the user what to fix (no stack trace wanted).</summary>
    bool IsUserFixable(Exception e);
}

/// <summary>Typed settings for a backend: <see cref="Load"/> returns them and <see cref="CreateAsync"/> receives them.</summary>
public abstract class TestbedBackend<TSettings> : ITestbedBackend
    where TSettings : class
{
    public abstract string Name { get; }

    public virtual IReadOnlyList<Setting> Settings => [];

    public virtual string SettingsDocument => "README.md";

    public abstract string HowToUse { get; }

    public abstract TSettings? Load(SettingsReader settings);

    public abstract Task<ITestbed> CreateAsync(TSettings? settings, TestbedRequest request, CancellationToken cancellationToken);

    public virtual bool IsUserFixable(Exception e) => e is HarnessConfigurationException;

    object? ITestbedBackend.Load(SettingsReader settings) => Load(settings);

    Task<ITestbed> ITestbedBackend.CreateAsync(TestbedRequest request, CancellationToken cancellationToken) =>
        CreateAsync(request.Options.BackendSettings as TSettings, request, cancellationToken);
}
