using System.Diagnostics;

namespace PveEmulator.Runtime;

/// <summary>Runs a tool (qemu-img, genisoimage) to completion with a timeout; its stderr becomes the error text.</summary>
public static class ProcessRunner
{
    public static async Task RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        await CaptureAsync(file, args, timeout, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="RunAsync"/>, and returns what the tool printed on stdout.</summary>
    public static async Task<string> CaptureAsync(string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new PveError(500, $"cannot run {file}");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new PveError(500, $"{Path.GetFileName(file)} did not finish within {timeout.TotalSeconds:0} s");
        }
        var output = await stdout.ConfigureAwait(false);
        var err = (await stderr.ConfigureAwait(false)).Trim();
        if (p.ExitCode != 0) throw new PveError(500, $"{Path.GetFileName(file)} failed (exit {p.ExitCode}): {err}");
        return output;
    }

    public static async Task<string> OutputAsync(string file, string arg, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, arg) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(timeout);
        var text = await p.StandardOutput.ReadToEndAsync(cts.Token).ConfigureAwait(false);
        await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        return text;
    }
}
