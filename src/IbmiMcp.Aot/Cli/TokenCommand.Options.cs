namespace IbmiMcp.Cli;

internal static partial class TokenCommand
{
    /// <summary>The flags (names, short spellings and defaults are the reference client's, spec §7).</summary>
    internal static readonly CliOptionSet Flags = new(
    [
        new("user", "NAME", "IBM i user (default DB2i_USER)", "-u"),
        new("password", "PWD", "password (default DB2i_PASS; asked for on a terminal when absent)", "-p"),
        new("host", "HOST", "IBM i host for the session (default DB2i_HOST)", "-h"),
        new("server", "HOST", "ibmi-mcp server host (default localhost)"),
        new("port", "N", "ibmi-mcp server port (default 3010)"),
        new("https", null, "use HTTPS (certificates are verified; see --insecure)"),
        new("insecure", null, "accept any server certificate (pair with --public-key-path)"),
        new("duration", "S", "token lifetime in seconds (default 7200, max 86400)"),
        new("pool-start", "N", "connections opened at sign-on (default 2)"),
        new("pool-max", "N", "pool maximum (default 5)"),
        new("public-key-path", "FILE", "use this PEM instead of GET /api/v1/auth/public-key (needs --key-id)"),
        new("key-id", "ID", "key id matching the public key"),
        new("verbose", null, "show what is being done (never the password)", "-v"),
        new("quiet", null, "print only: export IBMI_MCP_ACCESS_TOKEN=\"...\"", "-q"),
        new("help", null, "this text"),
    ]);

    internal static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi-mcp token [options]"],
        Summary = "Signs on to IBM i through an ibmi-mcp server and prints a Bearer token.",
        Notes = $"Reads ./.env (or the file named by MCP_SERVER_CONFIG). Exit: {ExitCodes.Success} ok, {ExitCodes.General} error, {ExitCodes.TokenRefused} sign-on refused.",
    }.WithOptions("options", Flags.Options).Render();

    /// <summary>Parsed flags.</summary>
    internal sealed class Options
    {
        public string? User, Password, Host, PublicKeyPath, KeyId;
        public string Server = "localhost";
        public int Port = 3010, Duration = 7200, PoolStart = 2, PoolMax = 5;
        public bool Https, Insecure, Verbose, Quiet, Help;

        public static bool TryParse(string[] args, out Options options, out string? error)
        {
            options = new Options();
            error = null;
            try
            {
                var a = CliArguments.Parse(args, Flags).NoMorePositionals();
                options = new Options
                {
                    User = a.Value("user"), Password = a.Value("password"), Host = a.Value("host"), Server = a.Value("server") ?? "localhost",
                    PublicKeyPath = a.Value("public-key-path"), KeyId = a.Value("key-id"),
                    Port = a.Number("port", 3010, 1, 65535), Duration = a.Number("duration", 7200, 1, 86400),
                    PoolStart = a.Number("pool-start", 2, 1, 50), PoolMax = a.Number("pool-max", 5, 1, 100),
                    Https = a.Flag("https"), Insecure = a.Flag("insecure"), Verbose = a.Flag("verbose"), Quiet = a.Flag("quiet"), Help = a.Flag("help"),
                };
            }
            catch (CliException ex)
            {
                error = ex.Message + " (try --help)";
                return false;
            }
            if (options.PoolStart > options.PoolMax)
            {
                error = $"--pool-start ({options.PoolStart}) cannot be greater than --pool-max ({options.PoolMax}).";
                return false;
            }
            return true;
        }
    }
}
