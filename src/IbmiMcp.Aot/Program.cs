namespace IbmiMcp;

internal static class Program
{
    private static Task<int> Main(string[] args) => Cli.CliApp.RunAsync(args);
}
