# Publishes the Native AOT binary `ibmi-mcp` for one runtime identifier (default linux-x64) with trim/AOT
# warnings as errors, writes a SHA-256 checksum next to it, and prints the path and size.
#   ./publish.ps1 [-Rid linux-x64] [-Version 1.2.3]
param(
    [string]$Rid = "linux-x64",
    [string]$Version = "0.1.0"
)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$out = "artifacts/publish/$Rid"
Remove-Item -Recurse -Force -ErrorAction SilentlyContinue "src/IbmiMcp.Aot/obj/Release/net10.0/$Rid/native", $out
dotnet publish src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -c Release -r $Rid -o $out `
    -p:Version=$Version -p:TreatWarningsAsErrors=true -p:TrimmerSingleWarn=false -nologo -v:q
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Get-ChildItem $out -Include *.dbg, *.pdb -Recurse | Remove-Item -Force
$name = if ($Rid -like "win-*") { "ibmi-mcp.exe" } else { "ibmi-mcp" }
$bin = Join-Path $out $name
$hash = (Get-FileHash -Algorithm SHA256 $bin).Hash.ToLowerInvariant()
"$hash  $name" | Set-Content -NoNewline -Path "$bin.sha256"
$size = (Get-Item $bin).Length
Write-Output "published: $bin"
Write-Output ("size:      {0} bytes ({1:N1} MiB)" -f $size, ($size / 1MB))
Write-Output "sha256:    $hash"
