using System.Globalization;

namespace PveEmulator;

/// <summary>Command line (and PVE_EMU_* environment) of the emulator; <see cref="Help"/> is what --help prints.</summary>
public sealed class EmulatorOptions
{
    public const string Help = """
        Emulated Proxmox VE node: the PVE API over HTTPS on 127.0.0.1, backed by real QEMU VMs (or fake guests).

        usage: dotnet run --project tests/PveEmulator -- [options]
          --port N              HTTPS port on 127.0.0.1 (0 = any free one; default 0)
          --node NAME           node name (default pve-emu)
          --template VMID       VMID of the template VM made from the image (default 9000)
          --token-id ID         API token id user@realm!name (default harness@pve!emu)
                                the secret is PVE_EMU_TOKEN_SECRET, or made up and written to <state>/token-secret (0600)
          --privileges LIST     the token's privileges, comma-separated, or ALL (default ALL)
          --no-vms              fake guests instead of QEMU VMs and Docker containers (fast API tests; 127.0.1.N)
          --image-dir DIR       template.qcow2, vmlinuz, initrd.img (default /var/cache/harness-pve-emu;
                                build it with ci/pve/build-emulator-image.sh)
          --state-dir DIR       guest disks, seeds, sockets (default a new /tmp/pve-emu.*, removed at exit)
          --ct-image IMAGE      Docker image behind containers created from local:vztmpl/harness-guest.tar.zst
                                (default harness-guest:bookworm-1; build it with ci/build-guest-image.sh)
          --no-lxcfs            containers without lxcfs's /proc files (they then see the host's, as on a node
                                without lxcfs)
          --accel tcg|kvm       QEMU accelerator (default tcg: nested KVM hangs on some hosts)
          --lock-timeout S      how long a config lock is waited for (default 10, as PVE)
          --auth-delay S        delay before a 401 (default 3, as PVE)
          --ready-file PATH     write URL, fingerprint, node, template and token id there as shell variables
          --schema FILE|default validate every request against PVE's API schema (default: the subset copied
                                beside the binary); refused ones get PVE's 400. Without it: no check
          --fault F             inject a fault (repeatable; also PVE_EMU_FAULTS=F,F):
                                  lock-timeout[:N]        the next N config changes time out on the guest's lock
                                  failed-task:TYPE        the next TYPE task (qmclone, qmstart, ...) fails
                                  slow-task:TYPE:SECONDS  TYPE tasks take SECONDS longer
                                  agent-late:SECONDS      the guest agent answers SECONDS later than it could
                                  lost-clone-response     the next clone (or container create) starts, but its HTTP response is lost
        Stops on SIGINT/SIGTERM/SIGHUP: every QEMU process is killed, every container removed, the state directory too.
        """;

    public int Port { get; private set; }
    public string Node { get; private set; } = "pve-emu";
    public int TemplateId { get; private set; } = 9000;
    public string TokenId { get; private set; } = "harness@pve!emu";
    public string? TokenSecret { get; set; }
    public IReadOnlySet<string>? Privileges { get; private set; }
    public bool NoVms { get; set; }
    public string ImageDir { get; private set; } = "/var/cache/harness-pve-emu";
    public string? StateDir { get; set; }
    public string Accel { get; private set; } = "tcg";
    public string ContainerImage { get; private set; } = "harness-guest:bookworm-1";
    public bool NoLxcfs { get; private set; }
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan AuthDelay { get; set; } = TimeSpan.FromSeconds(3);
    public string? ReadyFile { get; private set; }
    public string? SchemaFile { get; private set; }
    public List<Fault> Faults { get; } = [];

    /// <summary>Uses up one injection of a counted fault of <paramref name="kind"/>: true when one was left.</summary>
    public bool TakeFault(FaultKind kind)
    {
        lock (Faults)
        {
            if (Faults.FirstOrDefault(f => f.Kind == kind && f.Remaining > 0) is not { } fault) return false;
            fault.Remaining--;
            return true;
        }
    }
    public bool ShowHelp { get; private set; }

    public static EmulatorOptions Parse(IReadOnlyList<string> args, Func<string, string?> env)
    {
        var o = new EmulatorOptions { TokenSecret = env("PVE_EMU_TOKEN_SECRET") };
        if (env("PVE_EMU_FAULTS") is { Length: > 0 } faults)
        {
            foreach (var f in faults.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) o.Faults.Add(Fault.Parse(f));
        }
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "-h" or "--help": o.ShowHelp = true; break;
                case "--port": o.Port = Int(Value(), "--port", 0, 65535); break;
                case "--node": o.Node = Value(); break;
                case "--template": o.TemplateId = Int(Value(), "--template", 100, 999_999_999); break;
                case "--token-id": o.TokenId = Value(); break;
                case "--privileges":
                    var p = Value();
                    o.Privileges = p.Equals("ALL", StringComparison.OrdinalIgnoreCase)
                        ? null
                        : p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    break;
                case "--no-vms": o.NoVms = true; break;
                case "--image-dir": o.ImageDir = Value(); break;
                case "--ct-image": o.ContainerImage = Value(); break;
                case "--no-lxcfs": o.NoLxcfs = true; break;
                case "--state-dir": o.StateDir = Value(); break;
                case "--accel":
                    o.Accel = Value() is "tcg" or "kvm" ? args[i] : throw new ArgumentException("--accel: use tcg or kvm");
                    break;
                case "--lock-timeout": o.LockTimeout = TimeSpan.FromSeconds(Int(Value(), "--lock-timeout", 0, 3600)); break;
                case "--auth-delay": o.AuthDelay = TimeSpan.FromSeconds(Int(Value(), "--auth-delay", 0, 60)); break;
                case "--ready-file": o.ReadyFile = Value(); break;
                case "--schema": o.SchemaFile = Value() is var f && f == "default" ? Validators.DefaultSchemaFile : f; break;
                case "--fault": o.Faults.Add(Fault.Parse(Value())); break;
                default: throw new ArgumentException($"unknown option '{args[i]}' (see --help)");
            }
        }
        if (!o.TokenId.Contains('@') || !o.TokenId.Contains('!')) throw new ArgumentException("--token-id: use user@realm!name");
        return o;
    }

    private static int Int(string s, string name, int min, int max) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{name}: '{s}' is not a whole number in {min}..{max}");
}

public enum FaultKind { LockTimeout, FailedTask, SlowTask, AgentLate, LostCloneResponse }

/// <summary>One injected fault; <see cref="Remaining"/> counts down for the one-shot kinds.</summary>
public sealed class Fault(FaultKind kind, string? taskType, double seconds, int remaining)
{
    public FaultKind Kind { get; } = kind;
    public string? TaskType { get; } = taskType;
    public double Seconds { get; } = seconds;
    public int Remaining { get; set; } = remaining;

    public static Fault Parse(string text)
    {
        var parts = text.Split(':');
        double Sec(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? d : throw new ArgumentException($"fault '{text}': '{s}' is not a number of seconds");
        return parts switch
        {
            ["lock-timeout"] => new Fault(FaultKind.LockTimeout, null, 0, 1),
            ["lock-timeout", var n] => new Fault(FaultKind.LockTimeout, null, 0, (int)Sec(n)),
            ["failed-task", var type] => new Fault(FaultKind.FailedTask, type, 0, 1),
            ["slow-task", var type, var s] => new Fault(FaultKind.SlowTask, type, Sec(s), int.MaxValue),
            ["agent-late", var s] => new Fault(FaultKind.AgentLate, null, Sec(s), int.MaxValue),
            ["lost-clone-response"] => new Fault(FaultKind.LostCloneResponse, null, 0, 1),
            _ => throw new ArgumentException($"unknown fault '{text}' (see --help)"),
        };
    }
}
