namespace IbmiMcp.Emulator;

/// <summary>How an <see cref="EmulatorHost"/> listens, authenticates and stores data.</summary>
public sealed class EmulatorOptions
{
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>8076 as on IBM i; 0 picks a free ephemeral port (read it back from <see cref="EmulatorHost.Port"/>).</summary>
    public int Port { get; set; } = 8076;

    /// <summary>false serves plain ws:// (the real server's MP_UNSECURE=true).</summary>
    public bool Tls { get; set; } = true;

    /// <summary>PEM certificate and key; when both are null a self-signed CN=localhost certificate is generated.</summary>
    public string? CertPemPath { get; set; }
    public string? KeyPemPath { get; set; }

    /// <summary>When set, the certificate (PEM) is written here at start so clients can pin it.</summary>
    public string? WriteCertPath { get; set; }

    /// <summary>YAML or JSON users file; null means the demo users MCPUSER, ALICE and BOB.</summary>
    public string? UsersFile { get; set; }

    /// <summary>IBM i QMAXSIGN: disable a profile after this many consecutive bad passwords. 0 = off.</summary>
    public int MaxSignOnAttempts { get; set; }

    /// <summary>Directory holding one SQLite file per schema; null = a private temporary copy deleted on dispose.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Largest accepted client text message (the real server's MAX_WS_MESSAGE_SIZE, 50 MiB).</summary>
    public int MaxMessageBytes { get; set; } = 52_428_800;

    /// <summary>Reported by getversion.</summary>
    public string Version { get; set; } = "2.3.3";

    public EmulatorFaults Faults { get; set; } = new();
}
