using Harness.Reporting;
using Harness.Scenarios;
using Snapshooter.Xunit3;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class ScenarioMatrixTests
{
    [Fact]
    public void The_paper_matrix_renders_as_table_1() =>
        Snapshot.Match(ScenarioMatrix.Render(PaperScenarios.All));
}
