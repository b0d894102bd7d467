namespace IbmiMcp.Cli;

/// <summary>Entry points of the non-serve verbs; each verb parses its own flags.</summary>
internal static class CliVerbs
{
    public static Task<int> TokenAsync(string[] args) => TokenCommand.RunAsync(args, Console.Out, Console.Error);

    public static int Keygen(string[] args) => KeygenCommand.Run(args, Console.Out, Console.Error);

}
