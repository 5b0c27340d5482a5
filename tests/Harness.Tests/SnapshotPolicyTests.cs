using Snapshooter;
using Snapshooter.Xunit3;
using Xunit;

namespace Harness.Tests;

public sealed class SnapshotPolicyTests
{
    [Fact]
    public void Under_ci_a_missing_snapshot_fails_instead_of_being_written()
    {
        var before = Environment.GetEnvironmentVariable(SnapshotPolicy.StrictVariable);
        var name = "never-committed-" + Guid.NewGuid().ToString("N")[..8];
        var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "__snapshots__");
        try
        {
            SnapshotPolicy.Apply("true");
            Assert.ThrowsAny<Exception>(() => Snapshot.Match("anything", SnapshotNameExtension.Create(name)));
            Assert.Empty(Directory.GetFiles(folder, $"*{name}*", SearchOption.TopDirectoryOnly));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SnapshotPolicy.StrictVariable, before);
            foreach (var f in Directory.GetFiles(folder, $"*{name}*", SearchOption.AllDirectories)) File.Delete(f);
        }
    }
}
