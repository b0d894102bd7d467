using IbmiMcp.Fuzz;
using SharpFuzz;

// ibmi-mcp-fuzz TARGET          under afl-fuzz: the fuzzing loop; otherwise one input from stdin (replay a finding)
if (args.Length != 1 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: IbmiMcp.Fuzz <{string.Join("|", Targets.All.Keys)}>");
    return 2;
}
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
