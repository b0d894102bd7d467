namespace IbmiMcp.Cli;

/// <summary>Entry points of the non-serve verbs; each verb parses its own flags.</summary>
internal static class CliVerbs
{
    public static Task<int> TokenAsync(string[] args)
    {
        Console.Error.WriteLine("ibmi-mcp token: not available in this build");
        return Task.FromResult(1);
    }

    public static int Keygen(string[] args)
    {
        Console.Error.WriteLine("ibmi-mcp keygen: not available in this build");
        return 1;
    }

    public static int Tools(string[] args)
    {
        Console.Error.WriteLine("ibmi-mcp tools: not available in this build");
        return 1;
    }
}
