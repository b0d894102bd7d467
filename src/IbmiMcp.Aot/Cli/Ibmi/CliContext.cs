using System.Diagnostics;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;

namespace IbmiMcp.Cli.Ibmi;

/// <summary>What a command runs with: its arguments, the process environment and terminal, the config, and Ctrl+C.</summary>
internal sealed class CliContext
{
    private CliConfig? _config;

    public required CliArguments Args { get; init; }
    public required Func<string, string?> Env { get; init; }
    public required string WorkingDirectory { get; init; }
    public required TextWriter Stderr { get; init; }
    public required TextReader Stdin { get; init; }
    /// <summary>stdin is a terminal (a password can be asked for).</summary>
    public bool Interactive { get; init; }
    public CancellationToken Cancel { get; init; }
    public long Started { get; } = Stopwatch.GetTimestamp();

    public CliConfig Config => _config ??= CliConfig.Load(Env, WorkingDirectory);

    public IReadOnlyList<CliSystem> Systems() => new SystemResolver(Config, Env, WorkingDirectory).Resolve(Args.Value("system"));

    /// <summary>The systems, or none for <c>--dry-run</c> when none is configured: a dry run connects to nothing.</summary>
    public IReadOnlyList<CliSystem> SystemsUnlessDryRun()
    {
        try
        {
            return Systems();
        }
        catch (CliException) when (Args.Flag("dry-run") && Args.Value("system") is null)
        {
            return [];
        }
    }

    /// <summary><c>--timing</c>: phases to stderr, so a person or a benchmark sees where the time went.</summary>
    public void Timing(string phase, TimeSpan elapsed)
    {
        if (Args.Flag("timing"))
            Stderr.WriteLine($"timing: {phase} {elapsed.TotalMilliseconds:0.0} ms");
    }
}
