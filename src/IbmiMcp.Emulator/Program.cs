namespace IbmiMcp.Emulator;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("ibmi-emulator: not built yet");
        return 1;
    }
}
