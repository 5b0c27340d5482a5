using Harness.Configuration;
using Xunit;

namespace Harness.Tests.Pve;

public sealed class PveOptionsTests
{
    private const string Secret = "6a1e9d2c-7777-4444-8888-000011112222";
    private const string Fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    private static Dictionary<string, string> Minimal() => new()
    {
        ["HARNESS_PVE_URL"] = "https://pve1.example.org:8006",
        ["HARNESS_PVE_NODES"] = "pve1, pve2",
        ["HARNESS_PVE_TOKEN_ID"] = "harness@pve!ci",
        ["HARNESS_PVE_TOKEN_SECRET"] = Secret,
        ["HARNESS_PVE_TEMPLATE"] = "9000",
    };

    private static PveOptions Load(params (string Key, string Value)[] extra)
    {
        var env = Minimal();
        foreach (var (k, v) in extra) env[k] = v;
        return PveOptions.Load(env);
    }

    [Fact]
    public void Minimal_settings_load_with_defaults()
    {
        var o = Load();
        Assert.Equal(["pve1", "pve2"], o.Nodes);
        Assert.Equal([9000], o.TemplateIds);
        Assert.Equal(PveGuestKind.Vm, o.Kind);
        Assert.False(o.FullClone);
        Assert.Null(o.Fingerprint);
        Assert.Equal(1, o.Cores);
        Assert.Equal(1024, o.MemoryMiB);
        Assert.Equal(1, o.CloneConcurrency);
        Assert.Null(o.VmidRange);
    }

    [Fact]
    public void All_settings_are_read_and_the_environment_wins_over_runsettings()
    {
        var o = Load(
            ("RUNSETTINGS_HARNESS_PVE_CORES", "4"), ("HARNESS_PVE_CORES", "2"),
            ("RUNSETTINGS_HARNESS_PVE_MEMORY_MIB", "2048"),
            ("HARNESS_PVE_FINGERPRINT", Fp.ToLowerInvariant()),
            ("HARNESS_PVE_CLONE_MODE", "full"), ("HARNESS_PVE_STORAGE", "local-lvm"), ("HARNESS_PVE_BRIDGE", "vmbr1"),
            ("HARNESS_PVE_VMID_RANGE", "9100-9199"), ("HARNESS_PVE_CPULIMIT", "0.5"), ("HARNESS_PVE_CPUUNITS", "1000"));
        Assert.Equal(2, o.Cores);
        Assert.Equal(2048, o.MemoryMiB);
        Assert.Equal(Fp, o.Fingerprint);
        Assert.True(o.FullClone);
        Assert.Equal((9100, 9199), o.VmidRange);
        Assert.Equal(0.5, o.EffectiveCpus);
        Assert.Equal("vmbr1", o.Bridge);
    }

    [Fact]
    public void Missing_settings_are_all_named_with_their_fix_and_nothing_secret_is_printed()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => PveOptions.Load(new Dictionary<string, string>()));
        Assert.Equal(5, e.Problems.Count);
        foreach (var name in new[] { "HARNESS_PVE_URL", "HARNESS_PVE_NODES", "HARNESS_PVE_TOKEN_ID", "HARNESS_PVE_TOKEN_SECRET", "HARNESS_PVE_TEMPLATE" })
        {
            Assert.Contains(e.Problems, p => p.StartsWith(name + ": missing.", StringComparison.Ordinal));
        }
        Assert.Contains("nothing was started", e.Message);
    }

    [Theory]
    [InlineData("HARNESS_PVE_URL", "http://pve1:8006", "is not an https URL")]
    [InlineData("HARNESS_PVE_TOKEN_ID", "harness@pve", "is not a token id")]
    [InlineData("HARNESS_PVE_FINGERPRINT", "AB:CD", "is not a SHA-256 fingerprint")]
    [InlineData("HARNESS_PVE_GUEST_KIND", "docker", "unknown value 'docker'. Use one of: vm, lxc")]
    [InlineData("HARNESS_PVE_TEMPLATE", "abc", "'abc' is not a VMID")]
    [InlineData("HARNESS_PVE_CLONE_MODE", "thin", "Use one of: linked, full")]
    [InlineData("HARNESS_PVE_VMID_RANGE", "200-100", "is not a range")]
    [InlineData("HARNESS_PVE_STORAGE", "local-lvm", "only be chosen for full clones")]
    [InlineData("HARNESS_PVE_CLONE_CONCURRENCY", "4", "1 or 2")]
    [InlineData("HARNESS_PVE_NODE", "pve1", "HARNESS_PVE_NODE: unknown setting")]
    [InlineData("RUNSETTINGS_HARNESS_PVE_TOKEN_SECRET", "x", "read from the environment only")]
    public void Bad_values_are_refused_with_the_setting_named(string key, string value, string expected)
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load((key, value)));
        Assert.Contains(expected, e.Message);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_malformed_secret_is_refused_without_showing_it()
    {
        var bad = "harness@pve!ci=" + Secret;
        var e = Assert.Throws<HarnessConfigurationException>(() => Load(("HARNESS_PVE_TOKEN_SECRET", bad)));
        Assert.Contains("HARNESS_PVE_TOKEN_SECRET: malformed (value not shown)", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
    }

    [Fact]
    public void Lxc_needs_a_template_volume_and_a_storage()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load(("HARNESS_PVE_GUEST_KIND", "lxc")));
        Assert.Contains("'9000' is not a volume id", e.Message);
        Assert.Contains("HARNESS_PVE_STORAGE: missing", e.Message);
        var o = Load(("HARNESS_PVE_GUEST_KIND", "lxc"), ("HARNESS_PVE_TEMPLATE", "local:vztmpl/harness-guest.tar.zst"), ("HARNESS_PVE_STORAGE", "local-lvm"));
        Assert.Equal("local:vztmpl/harness-guest.tar.zst", o.OsTemplate);
        Assert.Equal("vmbr0", o.Bridge);
    }

    [Fact]
    public void The_secret_never_appears_in_ToString()
    {
        var o = Load();
        Assert.DoesNotContain(Secret, o.ToString());
        Assert.Contains("TokenSecret = (hidden)", o.ToString());
        Assert.DoesNotContain(Secret, Harness.Pve.PveClientOptions.From(o).ToString());
    }

    [Fact]
    public void Every_setting_is_documented_in_docs_proxmox_md()
    {
        var doc = File.ReadAllText(Path.Combine(OptionsLoader.RepositoryRoot()!, "docs", "proxmox.md"));
        foreach (var (name, _, _) in PveOptions.Settings) Assert.Contains($"`HARNESS_{name}`", doc);
    }

    [Fact]
    public void Lxc_guests_refuse_a_login_user_other_than_root()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() =>
            Load(("HARNESS_PVE_GUEST_KIND", "lxc"), ("HARNESS_PVE_TEMPLATE", "local:vztmpl/g.tar.zst"), ("HARNESS_PVE_STORAGE", "local-lvm"), ("HARNESS_PVE_SSH_USER", "debian")));
        Assert.Contains("HARNESS_PVE_SSH_USER: 'debian' cannot log in to lxc guests", e.Message);
        Assert.Contains("root only", e.Message);
        Assert.Equal("debian", Load(("HARNESS_PVE_SSH_USER", "debian")).SshUser); // VMs: cloud-init makes the user
    }
}
