using Harness.Configuration;

namespace Harness.Testbeds;

/// <summary>The backends this harness knows. A new backend is its folder under Testbeds/ and one line here.</summary>
public static class Backends
{
    public static readonly IReadOnlyList<ITestbedBackend> All =
    [
        new Docker.DockerBackend(),
        new Proxmox.ProxmoxBackend(),
        new Static.StaticBackend(),
    ];

    public static ITestbedBackend Default => All[0];

    public static ITestbedBackend Named(string name) =>
        All.FirstOrDefault(b => b.Name == name) ?? throw new ArgumentException($"no backend named '{name}'; known: {Names}", nameof(name));

    public static string Names => string.Join(", ", All.Select(b => b.Name));

    /// <summary>Every setting any table declares: the harness's own and every backend's.</summary>
    public static IEnumerable<Setting> AllSettings => OptionsLoader.Settings.Concat(All.SelectMany(b => b.Settings));

    /// <summary>A reader that knows every declared setting, so a typo in any of them is refused.</summary>
    public static SettingsReader Reader(IReadOnlyDictionary<string, string> env) => new(env, AllSettings);
}
