using System.Globalization;

namespace IbmiMcp.Cli;

internal static partial class TokenCommand
{
    /// <summary>Parsed flags; names and defaults are the reference client's (spec §7).</summary>
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
            for (int i = 0; i < args.Length; i++)
            {
                var (name, inline) = KeygenCommand.Split(args[i]);
                bool takesValue = name is "--user" or "-u" or "--password" or "-p" or "--host" or "-h" or "--server" or "--port"
                    or "--duration" or "--pool-start" or "--pool-max" or "--public-key-path" or "--key-id";
                string? value = null;
                if (takesValue)
                {
                    value = inline ?? (i + 1 < args.Length ? args[++i] : null);
                    if (value is null)
                    {
                        error = $"option '{name}' needs a value.";
                        return false;
                    }
                }
                else if (inline is not null)
                {
                    error = $"option '{name}' takes no value.";
                    return false;
                }
                switch (name)
                {
                    case "--user" or "-u": options.User = value; break;
                    case "--password" or "-p": options.Password = value; break;
                    case "--host" or "-h": options.Host = value; break;
                    case "--server": options.Server = value!; break;
                    case "--public-key-path": options.PublicKeyPath = value; break;
                    case "--key-id": options.KeyId = value; break;
                    case "--port": if (!Number(value!, 1, 65535, out options.Port, name, out error)) return false; break;
                    case "--duration": if (!Number(value!, 1, 86400, out options.Duration, name, out error)) return false; break;
                    case "--pool-start": if (!Number(value!, 1, 50, out options.PoolStart, name, out error)) return false; break;
                    case "--pool-max": if (!Number(value!, 1, 100, out options.PoolMax, name, out error)) return false; break;
                    case "--https": options.Https = true; break;
                    case "--insecure": options.Insecure = true; break;
                    case "--verbose" or "-v": options.Verbose = true; break;
                    case "--quiet" or "-q": options.Quiet = true; break;
                    case "--help": options.Help = true; break;
                    default:
                        error = $"unknown option '{args[i]}' (try --help).";
                        return false;
                }
            }
            if (options.PoolStart > options.PoolMax)
            {
                error = $"--pool-start ({options.PoolStart}) cannot be greater than --pool-max ({options.PoolMax}).";
                return false;
            }
            return true;
        }

        private static bool Number(string text, int min, int max, out int value, string name, out string? error)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
            {
                error = null;
                return true;
            }
            error = $"{name} must be a whole number from {min} to {max} (got '{text}').";
            return false;
        }
    }
}
