using IbmiMcp.Cli;
using IbmiMcp.Configuration;

namespace IbmiMcp;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var commandLine = CommandLine.Parse(args);
        if (commandLine.Errors.Count > 0)
        {
            foreach (var error in commandLine.Errors)
                Console.Error.WriteLine($"ibmi-mcp: {error}");
            Console.Error.WriteLine("Run 'ibmi-mcp --help' for usage.");
            return 2;
        }

        switch (commandLine.Verb)
        {
            case Verb.Help:
                Console.Out.WriteLine(HelpText.Usage);
                return 0;
            case Verb.Version:
                Console.Out.WriteLine($"ibmi-mcp {BuildInfo.Version}");
                return 0;
            case Verb.Token:
                return await CliVerbs.TokenAsync(commandLine.VerbArgs).ConfigureAwait(false);
            case Verb.Keygen:
                return CliVerbs.Keygen(commandLine.VerbArgs);
            case Verb.Tools:
                return CliVerbs.Tools(commandLine.VerbArgs);
            case Verb.Healthcheck:
                return await HealthcheckCommand.RunAsync(commandLine.VerbArgs).ConfigureAwait(false);
            default:
                return await ServeCommand.RunAsync(commandLine).ConfigureAwait(false);
        }
    }
}
