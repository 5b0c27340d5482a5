using Harness.Configuration;
using Harness.Pve;
using Harness.Pve.Schema;
using Xunit;

namespace Harness.Tests.Pve;

/// <summary>PVE's parameter check, against the PVE 9 schema of the test data.</summary>
public sealed class PveApiSchemaTests
{
    private static PveApiSchema Schema => FakePveServer.Schema;

    private static PveRequestCheck Check(string method, string path, params (string Key, string Value)[] p) =>
        Schema.Validate(method, path, p.ToDictionary(x => x.Key, x => x.Value));

    [Fact]
    public void A_path_matches_its_template_and_a_good_request_passes()
    {
        var c = Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "100"), ("name", "harness-run-1-s1"), ("full", "0"), ("target", "pve2"));
        Assert.Equal("/nodes/{node}/qemu/{vmid}/clone", c.SchemaPath);
        Assert.True(c.IsValid, c.ToString());
    }

    [Fact]
    public void An_unknown_parameter_is_refused_by_name() =>
        Assert.Equal("property is not defined in schema and the schema does not allow additional properties",
            Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "100"), ("linked", "1")).Errors["linked"]);

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("yes")]
    public void A_boolean_is_0_or_1_only(string value) =>
        Assert.Equal($"type check ('boolean') failed - got '{value}'", Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "100"), ("full", value)).Errors["full"]);

    [Fact]
    public void A_vmid_below_100_is_refused_in_the_body_and_in_the_path()
    {
        Assert.Equal("value must have a minimum value of 100", Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "99")).Errors["newid"]);
        Assert.Equal("value must have a minimum value of 100", Check("GET", "/nodes/pve1/qemu/99/config").Errors["vmid"]);
        Assert.StartsWith("type check ('integer') failed", Check("GET", "/nodes/pve1/qemu/abc/config").Errors["vmid"]);
    }

    [Theory]
    [InlineData("harness_run-s1")]
    [InlineData("harness+run")]
    [InlineData("-harness")]
    public void A_name_that_is_no_dns_name_is_refused(string name) =>
        Assert.Equal("invalid format - value does not look like a valid DNS name",
            Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "100"), ("name", name)).Errors["name"]);

    [Fact]
    public void A_missing_required_parameter_is_named() =>
        Assert.Equal("property is missing and it is not optional", Check("POST", "/nodes/pve1/qemu/9000/clone").Errors["newid"]);

    [Fact]
    public void Enum_pattern_range_and_node_names_are_checked()
    {
        Assert.Equal("value 'ova' does not have a value in the enumeration 'raw, qcow2, vmdk'",
            Check("POST", "/nodes/pve1/qemu/9000/clone", ("newid", "100"), ("full", "1"), ("format", "ova")).Errors["format"]);
        Assert.Equal("value must have a maximum value of 128", Check("PUT", "/nodes/pve1/qemu/100/config", ("cpulimit", "129")).Errors["cpulimit"]);
        Assert.Contains("valid node name", Check("GET", "/nodes/pve_1/status").Errors["node"]);
        Assert.Equal("value does not match the regex pattern", Check("GET", "/access/permissions", ("userid", "no-realm")).Errors["userid"]);
    }

    [Theory]
    [InlineData("net0", "virtio,bridge=vmbr0", true)]
    [InlineData("net0", "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,firewall=1", true)]
    [InlineData("net0", "virtio,bridge=vmbr0,firewall=true", false)]
    [InlineData("net0", "virtio,bridgee=vmbr0", false)]
    [InlineData("net0", "rtl9000,bridge=vmbr0", false)]
    [InlineData("net31", "virtio,bridge=vmbr0", true)]
    [InlineData("ipconfig0", "ip=dhcp", true)]
    [InlineData("ipconfig0", "ip=192.0.2.10/24,gw=192.0.2.1", true)]
    [InlineData("ipconfig0", "ip=192.0.2.300/24", false)]
    [InlineData("ipconfig0", "address=dhcp", false)]
    [InlineData("tags", "harness;run-1;host-ci_1;pid-42", true)]
    [InlineData("tags", "harness;run/1", false)]
    [InlineData("sshkeys", "ssh-ed25519%20AAAA%20x", true)]
    [InlineData("sshkeys", "ssh-ed25519 AAAA x", false)]
    [InlineData("agent", "1", true)]
    [InlineData("agent", "enabled=1,type=virtio", true)]
    [InlineData("memory", "1024", true)]
    [InlineData("memory", "8", false)]
    [InlineData("onboot", "0", true)]
    public void Qemu_config_values_follow_their_formats(string key, string value, bool valid)
    {
        var c = Check("PUT", "/nodes/pve1/qemu/100/config", (key, value));
        Assert.True(valid == c.IsValid, c.ToString());
        if (!valid) Assert.True(c.Errors.ContainsKey(key));
    }

    [Fact]
    public void A_container_create_with_what_the_client_sends_passes()
    {
        var c = Check("POST", "/nodes/pve1/lxc", ("vmid", "100"), ("hostname", "harness-r-s1"), ("ostemplate", "local:vztmpl/harness-guest.tar.zst"),
            ("rootfs", "local-lvm:4"), ("net0", "name=eth0,bridge=vmbr0,ip=dhcp"), ("ssh-public-keys", "ssh-ed25519 AAAA x"), ("unprivileged", "1"),
            ("start", "0"), ("cores", "1"), ("memory", "1024"), ("swap", "0"), ("cpuunits", "100"), ("tags", "harness;run-r"));
        Assert.True(c.IsValid, c.ToString());
        Assert.Contains("invalid format", Check("POST", "/nodes/pve1/lxc", ("vmid", "100"), ("ostemplate", "x"), ("net0", "bridge=vmbr0")).Errors["net0"]);
    }

    [Fact]
    public void An_unknown_path_or_method_has_no_schema_path()
    {
        Assert.False(Check("GET", "/nodes/pve1/qemu/100/frobnicate").IsKnown);
        Assert.False(Check("PATCH", "/nodes/pve1/qemu/100/config").IsKnown);
    }

    [Fact]
    public void The_api_viewer_script_gives_the_same_schema()
    {
        var fromJs = PveApiSchema.FromApiDocJs(FakePveServer.ApiDocScript);
        Assert.Equal(Schema.Endpoints.Keys.Order(), fromJs.Endpoints.Keys.Order());
        var c = fromJs.Validate("POST", "/nodes/pve1/qemu/9000/clone", new Dictionary<string, string> { ["newid"] = "99", ["name"] = "a_b" });
        Assert.Equal(["name", "newid"], c.Errors.Keys.Order());
        Assert.Throws<FormatException>(() => PveApiSchema.FromApiDocJs("console.log('no schema here')"));
    }

    [Fact]
    public void The_error_body_has_pves_shape() =>
        Assert.Equal("{\"data\":null,\"errors\":{\"full\":\"type check ('boolean') failed - got 'true'\"}}",
            PveRequestCheck.ErrorBody(new Dictionary<string, string> { ["full"] = "type check ('boolean') failed - got 'true'" }).Replace("\\u0027", "'", StringComparison.Ordinal));

    [Fact]
    public async Task The_fake_answers_a_refused_request_as_pve_does()
    {
        await using var fake = await FakePveServer.StartAsync();
        fake.AddGuest(130, "pve1", "x", status: "stopped");
        using var client = PveClientTests.Client(fake);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.SetConfigAsync(
            new PveGuestRef("pve1", PveGuestKind.Vm, 130), new Dictionary<string, string> { ["onboot"] = "true", ["colour"] = "blue" }, TestContext.Current.CancellationToken));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(PveRequestCheck.ParameterVerificationFailed, e.PveError);
        Assert.Equal(["colour", "onboot"], e.ParameterErrors.Keys.Order());
        Assert.Contains("colour: property is not defined in schema", Assert.Single(fake.SchemaRefusals));
        Assert.Equal(0, fake.ValidatedRequests);
    }

    [Fact]
    public async Task A_clone_without_newid_gets_pves_400_not_a_500()
    {
        await using var fake = await FakePveServer.StartAsync();
        var pin = fake.Fingerprint.Replace(":", "", StringComparison.Ordinal);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256) == pin,
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fake.Url, "/api2/json/nodes/pve1/qemu/9000/clone"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "x" }),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken={FakePveServer.TokenId}={FakePveServer.TokenSecret}");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(PveRequestCheck.ParameterVerificationFailed, response.ReasonPhrase);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("data").ValueKind);
        Assert.Equal("property is missing and it is not optional", body.GetProperty("errors").GetProperty("newid").GetString());
    }
}
