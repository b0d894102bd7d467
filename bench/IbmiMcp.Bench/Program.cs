using BenchmarkDotNet.Running;

namespace IbmiMcp.Bench;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["--telemetry-ab", ..]) { Observability.TelemetryAbHarness.Run(args); return; }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
