using Xunit.Sdk;
using Xunit.v3;

// The scenarios share one testbed and one host: collections running side by side would be the interference they
// measure. runsettings.xml says so too, but `dotnet test tests/Scenarios` without it must not run them in parallel.
[assembly: Parallelization(Mode = ParallelMode.None)]
