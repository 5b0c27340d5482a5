using Xunit;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Harness.Configuration;
using Harness.Remote;
using Harness.Testbeds.Proxmox;

namespace PveEmulator.Tests;

/// <summary>
/// The emulator checks every request against PVE's schema (the production validator): what a real node refuses with
/// 400 is refused here, and what the harness itself sends is never refused.
/// </summary>
public sealed class SchemaValidationTests
{
    public static TheoryData<string, string, string, string, string> Invalid => new()
    {
        // method, path, form body, the parameter PVE names, words of its error
        { "PUT", "nodes/pve-emu/qemu/9000/config", "bogus=1", "bogus", "property is not defined in schema" },
        { "PUT", "nodes/pve-emu/qemu/9000/config", "onboot=true", "onboot", "type check ('boolean') failed" },
        { "POST", "nodes/pve-emu/qemu/99/status/start", "", "vmid", "" },
        { "POST", "nodes/pve-emu/qemu/9000/clone", "newid=101&name=bad_name", "name", "" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task An_invalid_request_is_refused_with_PVEs_400_naming_the_parameter(string method, string path, string body, string param, string words)
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        using var http = RawClient(emu);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0) request.Content = new StringContent(body, new MediaTypeHeaderValue("application/x-www-form-urlencoded"));
        using var response = await http.SendAsync(request, Emulator.Timeout());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Parameter verification failed.", response.ReasonPhrase);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Emulator.Timeout()));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("data").ValueKind);
        var error = json.RootElement.GetProperty("errors").GetProperty(param).GetString();
        Assert.Contains(words, error, StringComparison.Ordinal);
        Assert.Equal(1, emu.Host.Validator.Refused);
        Assert.Equal(9000, emu.Api.Store.Find(9000)?.VmId); // nothing ran: the template is untouched, no clone exists
        Assert.Null(emu.Api.Store.Find(101));
    }

    [Fact]
    public async Task A_provision_through_the_harness_is_refused_zero_times()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        var progress = await ProvisionToSshAsync(emu);

        Assert.Contains(progress, m => m.Contains("has address", StringComparison.Ordinal)); // it got as far as SSH
        Assert.True(emu.Host.Validator.Validated > 10, $"only {emu.Host.Validator.Validated} requests");
        Assert.Equal(0, emu.Host.Validator.Refused);
        Assert.Equal([9000], emu.Api.Store.All().Select(g => g.VmId));
    }

    [Fact]
    public async Task A_clone_whose_answer_is_lost_is_settled_by_its_config_and_leaves_no_guest_behind()
    {
        // The clone task starts and its HTTP answer is lost: the client must not send it again; the provisioner reads
        // the new VMID's config, finds its own guest there, uses it, and removes it with the rest when the run ends.
        await using var emu = await Emulator.StartAsync("--schema", "default", "--fault", "lost-clone-response");
        var progress = await ProvisionToSshAsync(emu);

        Assert.Contains(progress, m => m.Contains("was lost", StringComparison.Ordinal) && m.Contains("but the guest is ours; using it", StringComparison.Ordinal));
        Assert.Contains(progress, m => m.Contains("has address", StringComparison.Ordinal));
        Assert.Equal(0, emu.Host.Validator.Refused);
        Assert.Equal([9000], emu.Api.Store.All().Select(g => g.VmId));
    }

    /// <summary>
    /// Provisions two guests through the harness. Fake guests run no sshd: the provision goes through clone, config,
    /// start and the agent's address, fails at SSH after a short deadline and tears everything down, all of it
    /// through the validator. Returns the harness's progress lines.
    /// </summary>
    private static async Task<List<string>> ProvisionToSshAsync(Emulator emu)
    {
        var pve = new PveOptions
        {
            Url = emu.Host.Url, Nodes = [emu.Api.Options.Node], TokenId = emu.Api.Options.TokenId, TokenSecret = Emulator.Secret,
            Fingerprint = emu.Host.Fingerprint, TemplateIds = [emu.Api.Options.TemplateId], CpuLimit = 0.5, CpuUnits = 200,
            BootTimeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(100), TaskTimeout = TimeSpan.FromSeconds(20),
        };
        using var key = SshKeyPair.Create("schema-test");
        var progress = new List<string>();
        await Assert.ThrowsAnyAsync<Exception>(() => ProxmoxTestbed.CreateAsync(pve, 2, "20260101-000000-abcdef", key, RemoteShellOptions.Default, m => { lock (progress) progress.Add(m); }, Emulator.Timeout(90)));
        return progress;
    }

    private static HttpClient RawClient(Emulator emu)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }; // test only: loopback emulator
        var http = new HttpClient(handler) { BaseAddress = new Uri(emu.Host.Url, "/api2/json/") };
        // PVE's scheme is joined to the token by '=', which the typed header would write with a space.
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"PVEAPIToken={emu.Api.Options.TokenId}={Emulator.Secret}");
        return http;
    }
}
