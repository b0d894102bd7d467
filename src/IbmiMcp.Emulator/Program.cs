using System.Globalization;

namespace IbmiMcp.Emulator;

/// <summary>ibmi-emulator: runs an <see cref="EmulatorHost"/> until SIGINT/SIGTERM.</summary>
internal static class Program
{
    private const string Usage = """
        usage: ibmi-emulator [options]
          --host ADDR            listen address (default 127.0.0.1)
          --port N               port (default 8076; 0 = pick a free port)
          --no-tls | --ws        plain ws:// instead of wss://
          --cert FILE --key FILE PEM certificate and key (default: generated self-signed CN=localhost)
          --write-cert FILE      write the certificate (PEM) here for clients to pin
          --users FILE           users file (YAML or JSON); default demo users MCPUSER, ALICE, BOB
          --max-signon N         disable a profile after N bad passwords (IBM i QMAXSIGN; 0 = off)
          --db DIR               keep schemas as SQLite files in DIR (default: temporary, deleted at exit)
          --latency-ms N         fault: delay every request by N ms
          --drop-after N         fault: abort a socket when it sends request N+1
          --drop-probability P   fault: abort a socket on a request with probability P
          --seed N               fault: seed for --drop-probability
          --stall-ms N           fault: hold every reply N ms (negative = never reply)
          --refuse               fault: refuse WebSocket upgrades
        """;

    private static async Task<int> Main(string[] args)
    {
        var o = new EmulatorOptions();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
                int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                switch (a)
                {
                    case "--host": o.Host = Next(); break;
                    case "--port": o.Port = NextInt(); break;
                    case "--no-tls" or "--ws": o.Tls = false; break;
                    case "--cert": o.CertPemPath = Next(); break;
                    case "--key": o.KeyPemPath = Next(); break;
                    case "--write-cert": o.WriteCertPath = Next(); break;
                    case "--users": o.UsersFile = Next(); break;
                    case "--max-signon": o.MaxSignOnAttempts = NextInt(); break;
                    case "--db": o.DatabasePath = Next(); break;
                    case "--latency-ms": o.Faults.LatencyMs = NextInt(); break;
                    case "--drop-after": o.Faults.DropAfterRequests = NextInt(); break;
                    case "--drop-probability": o.Faults.DropProbability = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": o.Faults.Seed = NextInt(); break;
                    case "--stall-ms": o.Faults.StallMs = NextInt(); break;
                    case "--refuse": o.Faults.RefuseConnections = true; break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option {a}");
                }
            }
            if ((o.CertPemPath is null) != (o.KeyPemPath is null)) throw new ArgumentException("--cert and --key go together");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("ibmi-emulator: " + ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        EmulatorHost host;
        try
        {
            host = await EmulatorHost.StartAsync(o, stop.Token);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            Console.Error.WriteLine("ibmi-emulator: " + ex.Message);
            return 1;
        }
        Console.Out.WriteLine($"ibmi-emulator listening on {host.Endpoint}");
        Console.Out.Flush();
        try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        await host.DisposeAsync();
        return 0;
    }
}
