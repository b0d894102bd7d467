namespace IbmiMcp.Observability;

/// <summary>How a sign-on ended; the <c>outcome</c> of the audit line and the label of <c>ibmi_signons_total</c>.</summary>
internal enum SignOnResult : byte
{
    Success,
    /// <summary>IBM i (or validation before it) refused the sign-on; the audit line carries the reason code.</summary>
    Failure,
    /// <summary>Refused before contacting IBM i because the user or client address is locked out.</summary>
    RateLimited,
}
