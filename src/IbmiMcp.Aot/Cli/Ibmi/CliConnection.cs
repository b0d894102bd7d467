using System.Diagnostics;
using System.Text;
using IbmiMcp.Cli.Ibmi.Systems;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Cli.Ibmi;

/// <summary>
/// One Mapepire connection to one system for the length of a command — no pool: a command runs its statements one
/// after another. Statements run through <see cref="MapepireStatementRunner"/>, exactly as the server's pool runs them
/// (client registers, fetching, deadline). TLS follows the server's rules: <c>caPath</c> pins, else
/// <c>ignoreUnauthorized</c> accepts any certificate (the reference's default) or false trusts on first use.
/// </summary>
internal sealed class CliConnection : ISqlRunner, IAsyncDisposable
{
    private const string ApplicationName = "ibmi-cli";
    private readonly MapepireConnection _connection;
    private readonly MapepireStatementRunner _statements;

    private CliConnection(CliSystem system, MapepireConnection connection, TimeSpan connectTime)
    {
        System = system;
        _connection = connection;
        ConnectTime = connectTime;
        _statements = new MapepireStatementRunner(system.User.ToUpperInvariant(),
            new StatementSettings(TimeSpan.FromSeconds(system.Timeout), 1000, system.MaxRows, ApplicationName));
    }

    public CliSystem System { get; }
    public string User => System.User.ToUpperInvariant();
    /// <summary>TCP + TLS + WebSocket upgrade + <c>connect</c>: what IBM i and the network cost before the first statement.</summary>
    public TimeSpan ConnectTime { get; }

    /// <summary>Signs on to <paramref name="system"/>; failures become <see cref="CliException"/>s with their exit codes.</summary>
    public static async Task<CliConnection> OpenAsync(CliSystem system, byte[] password, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var credentials = new MapepireCredentials(system.User, password);
        try
        {
            var tls = MapepireTlsPolicy.FromSettings(system.IgnoreUnauthorized, system.CaPath);
            var timeout = TimeSpan.FromSeconds(Math.Min(system.Timeout, 30));
            if (tls.Mode == MapepireTlsMode.TrustOnFirstUse)
                tls = await MapepireTlsPolicy.ResolveTrustOnFirstUseAsync(system.Host, system.Port, timeout, ct).ConfigureAwait(false);
            var endpoint = new MapepireEndpoint(system.Host, system.Port, tls);
            var connection = await MapepireConnection.OpenAsync(endpoint, credentials, JdbcOptions.Empty, ApplicationName, timeout, null, ct).ConfigureAwait(false);
            return new CliConnection(system, connection, Stopwatch.GetElapsedTime(started));
        }
        catch (MapepireException ex)
        {
            throw CliException.From(ex, system.Name);
        }
    }

    /// <summary>As every <see cref="ISqlRunner"/>: failures are <see cref="MapepireException"/>s (SystemRun names them for a person).</summary>
    public async ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
        => await _statements.RunAsync(_connection, command, Stopwatch.GetTimestamp(), cancellationToken).ConfigureAwait(false);

    /// <summary>Runs <paramref name="command"/> and hands each block of rows to <paramref name="onRows"/> as it arrives.</summary>
    public Task<StreamedResult> StreamAsync(SqlCommand command, Func<RowBlock, ValueTask> onRows, CancellationToken cancellationToken)
        => _statements.StreamAsync(_connection, command, onRows, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>Finds a system's password: its <c>${VAR}</c> from the environment, or the terminal (no echo), or fails with exit 5.</summary>
internal static class PasswordSource
{
    public static byte[] For(CliSystem system, Func<string, string?> env, bool interactive, TextWriter prompt)
    {
        if (system.Password is { } raw)
        {
            var expanded = Tools.VariableInterpolator.Interpolate(raw, env);
            if (!expanded.Contains("${", StringComparison.Ordinal))
                return Encoding.UTF8.GetBytes(expanded);
        }
        if (!interactive)
            throw new CliException(ExitCodes.Authentication, "AUTH_FAILURE", system.Password is { } reference
                ? $"{system.Name}: the password reference {reference} names an environment variable that is not set"
                : $"{system.Name}: no password: set one with `ibmi system add {system.Name} … --password '${{VAR}}'`, or run on a terminal to be asked");
        prompt.Write($"Password for {system.User} on {system.Name} ({system.Host}): ");
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (typed.Length > 0) typed.Length--; continue; }
            typed.Append(key.KeyChar);
        }
        prompt.WriteLine();
        var bytes = Encoding.UTF8.GetBytes(typed.ToString());
        typed.Clear();
        return bytes;
    }
}
