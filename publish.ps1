# Publishes the Native AOT binary `ibmi-mcp` for one runtime identifier (default linux-x64) with trim/AOT
# warnings as errors, writes a SHA-256 checksum next to it, and prints the path and size.
# -Release also packs artifacts/release/ibmi-mcp-<version>-<rid>.tar.gz (.zip for win-*) with a .sha256 beside it
# (the same layout as publish.sh --release); -NoBuild packages the binary already in artifacts/publish/<rid>/.
#   ./publish.ps1 [-Rid linux-x64] [-Version 1.2.3] [-Release] [-NoBuild] [-Pie]
# -Pie builds linux-* as a position-independent executable (as publish.sh --pie; see docs/operations.md).
# Native AOT compiles for the OS it runs on: publish linux-* on Linux (linux-arm64 cross builds are in
# publish.sh), win-* on Windows.
param(
    [string]$Rid = "linux-x64",
    [string]$Version = "0.1.0",
    [switch]$Release,
    [switch]$NoBuild,
    [switch]$Pie
)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$out = "artifacts/publish/$Rid"
$name = if ($Rid -like "win-*") { "ibmi-mcp.exe" } else { "ibmi-mcp" }
$bin = Join-Path $out $name

if (-not $NoBuild) {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue "src/IbmiMcp.Aot/obj/Release/net10.0/$Rid/native", $out
    dotnet publish src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -c Release -r $Rid -o $out `
        -p:Version=$Version -p:TreatWarningsAsErrors=true -p:TrimmerSingleWarn=false -p:PositionIndependentExecutable=$(if ($Pie) { 'true' } else { 'false' }) -nologo -v:q
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Get-ChildItem $out -Include *.dbg, *.pdb -Recurse | Remove-Item -Force
    $hash = (Get-FileHash -Algorithm SHA256 $bin).Hash.ToLowerInvariant()
    "$hash  $name`n" | Set-Content -NoNewline -Path "$bin.sha256"
    $size = (Get-Item $bin).Length
    Write-Output "published: $bin"
    Write-Output ("size:      {0} bytes ({1:N1} MiB)" -f $size, ($size / 1MB))
    Write-Output "sha256:    $hash"
}

if ($Release) {
    if (-not (Test-Path $bin)) { Write-Error "publish.ps1: $bin not found (run without -NoBuild)" }
    $expected = ((Get-Content "$bin.sha256" -Raw).Trim() -split '\s+')[0]
    $actual = (Get-FileHash -Algorithm SHA256 $bin).Hash.ToLowerInvariant()
    if ($expected -ne $actual) { Write-Error "publish.ps1: $bin does not match its checksum" }
    # The version baked into the binary must be the one in the archive name (when this machine can run it).
    $baked = $null
    try { $baked = ((& $bin --version) -split ' ')[-1] } catch { }
    if ($baked -and $baked -ne $Version) {
        if ($NoBuild -and -not $PSBoundParameters.ContainsKey('Version')) { $Version = $baked }
        else { Write-Error "publish.ps1: $bin has version $baked baked in, not $Version" }
    }
    $pkg = "ibmi-mcp-$Version-$Rid"
    $stage = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())
    $dir = Join-Path $stage $pkg
    New-Item -ItemType Directory -Force (Join-Path $dir "docs") | Out-Null
    New-Item -ItemType Directory -Force "artifacts/release" | Out-Null
    Copy-Item $bin (Join-Path $dir $name)
    Copy-Item README.md (Join-Path $dir "README.md")
    Copy-Item deploy/ibmi-mcp.service (Join-Path $dir "ibmi-mcp.service")
    foreach ($doc in "operations", "tls", "clients", "troubleshooting") {
        if (Test-Path "docs/$doc.md") { Copy-Item "docs/$doc.md" (Join-Path $dir "docs/$doc.md") }
    }
    $releaseDir = (Resolve-Path "artifacts/release").Path
    if ($Rid -like "win-*") {
        $archive = "$pkg.zip"
        Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $releaseDir $archive)
        Compress-Archive -Path $dir -DestinationPath (Join-Path $releaseDir $archive)
    } else {
        # tar keeps the executable bit that Compress-Archive would lose; it ships with Windows 10+ and every Linux.
        $archive = "$pkg.tar.gz"
        if (-not $IsWindows) { & chmod 0755 (Join-Path $dir $name) }
        & tar -C $stage -czf (Join-Path $releaseDir $archive) $pkg
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    Remove-Item -Recurse -Force $stage
    $archiveHash = (Get-FileHash -Algorithm SHA256 (Join-Path $releaseDir $archive)).Hash.ToLowerInvariant()
    "$archiveHash  $archive`n" | Set-Content -NoNewline -Path (Join-Path $releaseDir "$archive.sha256")
    Write-Output "release:   artifacts/release/$archive"
    Write-Output "checksum:  artifacts/release/$archive.sha256 ($archiveHash)"
}
