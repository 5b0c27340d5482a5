// The emulator it tests is Linux only (QEMU, cgroups, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
