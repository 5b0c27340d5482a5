using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PveEmulator;
using PveEmulator.Runtime;
using PveEmulator.Runtime.Lxc;

// QEMU, cgroups, /proc and unix sockets: this emulator is Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"pve-emulator: {e.Message}");
    return 2;
}
if (options.ShowHelp)
{
    Console.WriteLine(EmulatorOptions.Help);
    return 0;
}

using var shutdown = new CancellationTokenSource();
// Signals only request the shutdown; the cleanup below (QEMU killed, state removed) runs before the process ends.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

// State directories of emulators killed outright (kill -9 skips the cleanup below) are removed at the next start.
foreach (var stale in Directory.GetDirectories(Path.GetTempPath(), "pve-emu.*"))
{
    var owner = Path.Combine(stale, "owner.pid");
    if (File.Exists(owner) && int.TryParse(File.ReadAllText(owner), out var pid) && !Directory.Exists($"/proc/{pid}"))
    {
        // An lxcfs that died with its emulator can leave its (dead) FUSE mount in there.
        Lxcfs.UnmountUnder(stale);
        try
        {
            Directory.Delete(stale, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"pve-emulator: cannot remove {stale}: {e.Message}");
        }
    }
}
var ownState = options.StateDir is null;
var stateDir = options.StateDir ?? Directory.CreateTempSubdirectory("pve-emu.").FullName;
Directory.CreateDirectory(stateDir);
File.WriteAllText(Path.Combine(stateDir, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
if (options.TokenSecret is null)
{
    options.TokenSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    var secretFile = Path.Combine(stateDir, "token-secret");
    File.WriteAllText(secretFile, "");
    File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    File.WriteAllText(secretFile, options.TokenSecret);
    Console.WriteLine($"token secret written to {secretFile} (mode 0600)");
}

IGuestRuntime runtime;
IContainerRuntime containers;
var addresses = new LoopbackAddresses();
try
{
    runtime = options.NoVms ? new FakeRuntime() : new QemuRuntime(options.ImageDir, stateDir, options.Accel, addresses);
    containers = options.NoVms
        ? new FakeContainerRuntime(addresses)
        : await DockerContainerRuntime.StartAsync(options.ContainerImage, stateDir, addresses, !options.NoLxcfs, shutdown.Token);
}
catch (Exception e) when (e is FileNotFoundException or System.ComponentModel.Win32Exception)
{
    Console.Error.WriteLine($"pve-emulator: {e.Message}");
    if (ownState) Directory.Delete(stateDir, recursive: true);
    return 1;
}

EmulatorHost? host = null;
var exit = 0;
try
{
    host = await EmulatorHost.StartAsync(options, runtime, containers, Validators.Create(options.SchemaFile), shutdown.Token);
    host.Api.AddTemplate();
    Console.WriteLine($"""
        PVE emulator ready: {runtime.Description}
          containers   {containers.Description}
          ct archive   {string.Join(", ", containers.Archives)}
          url          {host.Url}
          node         {options.Node}
          template     {options.TemplateId}
          token id     {options.TokenId}
          fingerprint  {host.Fingerprint}
          state        {stateDir}
          validator    {host.Validator.InnerName}
          faults       {(options.Faults.Count == 0 ? "none" : string.Join(", ", options.Faults.Select(f => f.Kind + (f.TaskType is null ? "" : ":" + f.TaskType))))}
        """);
    if (options.ReadyFile is { } ready)
    {
        // Shell-sourceable, and the harness's own setting names; the secret is not in it.
        File.WriteAllText(ready + ".tmp", $"""
            HARNESS_PVE_URL='{host.Url}'
            HARNESS_PVE_NODES='{options.Node}'
            HARNESS_PVE_TEMPLATE='{options.TemplateId}'
            HARNESS_PVE_TOKEN_ID='{options.TokenId}'
            HARNESS_PVE_FINGERPRINT='{host.Fingerprint}'
            PVE_EMU_CT_TEMPLATE='{containers.Archives[0]}'
            PVE_EMU_STATE_DIR='{stateDir}'

            """);
        File.Move(ready + ".tmp", ready, overwrite: true);
    }
    await Task.Delay(Timeout.Infinite, shutdown.Token).ContinueWith(_ => { }, TaskScheduler.Default);
}
catch (Exception e) when (e is IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"pve-emulator: {e.Message}");
    exit = 1;
}
finally
{
    Console.WriteLine("pve-emulator: stopping; killing every VM, removing every container and the state directory");
    if (host is not null)
    {
        await host.Api.Tasks.DrainAsync(TimeSpan.FromSeconds(5));
        Console.WriteLine($"pve-emulator: {host.RequestCount} requests, {host.Validator.Validated} validated by {host.Validator.InnerName}, {host.Validator.Refused} refused, {host.Validator.NotInSchema} not in the schema subset (passed unchecked)");
        await host.DisposeAsync();
    }
    // Containers first: their cgroups sit in the tree the VMs' runtime removes, and lxcfs must outlive them.
    await containers.DisposeAsync();
    await runtime.DisposeAsync();
    if (ownState && Directory.Exists(stateDir)) Directory.Delete(stateDir, recursive: true);
    if (options.ReadyFile is { } r && File.Exists(r)) File.Delete(r);
}
return exit;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    shutdown.Cancel();
}
