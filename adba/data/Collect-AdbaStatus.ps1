<#
.SYNOPSIS
    Collects this computer's activation state for adba (read-only; changes nothing).

.DESCRIPTION
    Writes ONE JSON document (format "adba-collector", format_version 1) about this computer:
    its name, domain, forest and OS, the SoftwareLicensingService values, every
    SoftwareLicensingProduct that has a product key installed, and the Security-SPP events
    (12288, 12289, 12308, 8198, 1003, 8200, 8208) of the last -Days days from the Application
    log. Problems the script hits are listed in the document's "errors"; it still writes the
    document.

    It never collects a full product key: SoftwareLicensingProduct only exposes the last five
    characters (PartialProductKey), and the firmware key (OA3xOriginalProductKey) and the
    installation ID are not read.

    Needs Windows PowerShell 5.1 (or PowerShell 7). Runs without administrator rights where
    WMI and the Application log allow it (the defaults do).

    Feed the files to adba on any machine:  adba diagnose DIRECTORY ...
    Get this script from adba itself:       adba collector > Collect-AdbaStatus.ps1

.PARAMETER Days
    How many days of Security-SPP events to collect (default 30; 0 = all still in the log).

.PARAMETER MaxEvents
    At most this many events, newest first (default 500).

.PARAMETER OutFile
    Write the document to this file (UTF-8) instead of standard output.

.PARAMETER OutDirectory
    Write the document to <computer>.adba.json in this directory (e.g. a share).

.EXAMPLE
    .\Collect-AdbaStatus.ps1 -OutFile .\status.adba.json

.EXAMPLE
    Invoke-Command -ComputerName srv1, srv2 -FilePath .\Collect-AdbaStatus.ps1 |
        ForEach-Object { $_ | Set-Content -Encoding UTF8 -Path ("{0}.adba.json" -f $_.PSComputerName) }

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File \\fs1\adba$\Collect-AdbaStatus.ps1 -OutDirectory \\fs1\adba$\reports
#>
[CmdletBinding(DefaultParameterSetName = 'Stdout')]
param(
    [ValidateRange(0, 3650)]
    [int]$Days = 30,

    [ValidateRange(1, 100000)]
    [int]$MaxEvents = 500,

    [Parameter(ParameterSetName = 'File', Mandatory = $true)]
    [string]$OutFile,

    [Parameter(ParameterSetName = 'Directory', Mandatory = $true)]
    [string]$OutDirectory
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$FormatVersion = 1
$CollectorVersion = '1.0.0'

# The SoftwareLicensingProduct properties adba reads. Never add OfflineInstallationId or any key.
$ProductProperties = @(
    'ID', 'ApplicationID', 'Name', 'Description', 'ProductKeyChannel', 'ProductKeyID',
    'PartialProductKey', 'LicenseStatus', 'LicenseStatusReason', 'GracePeriodRemaining',
    'LicenseIsAddon', 'VLActivationType', 'VLActivationTypeEnabled', 'VLActivationInterval',
    'VLRenewalInterval', 'ADActivationObjectName', 'ADActivationObjectDN', 'ADActivationCsvlkPid',
    'ADActivationCsvlkSkuId', 'KeyManagementServiceMachine', 'KeyManagementServicePort',
    'KeyManagementServiceLookupDomain', 'KeyManagementServiceProductKeyID',
    'DiscoveredKeyManagementServiceMachineName', 'DiscoveredKeyManagementServiceMachinePort',
    'DiscoveredKeyManagementServiceMachineIpAddress', 'IsKeyManagementServiceMachine',
    'ValidationURL'
)

# The SoftwareLicensingService properties adba reads. Never add OA3xOriginalProductKey.
$ServiceProperties = @(
    'Version', 'ClientMachineID', 'KeyManagementServiceMachine', 'KeyManagementServicePort',
    'KeyManagementServiceLookupDomain', 'DiscoveredKeyManagementServiceMachineName',
    'DiscoveredKeyManagementServiceMachinePort', 'DiscoveredKeyManagementServiceMachineIpAddress',
    'KeyManagementServiceHostCaching', 'VLActivationInterval', 'VLRenewalInterval',
    'IsKeyManagementServiceMachine', 'KeyManagementServiceListeningPort',
    'KeyManagementServiceDnsPublishing', 'KeyManagementServiceCurrentCount', 'RequiredClientCount'
)

$EventIds = @(12288, 12289, 12308, 8198, 1003, 8200, 8208)
$SppProvider = 'Microsoft-Windows-Security-SPP'

$problems = New-Object System.Collections.Generic.List[object]

function Add-Problem {
    param([string]$Step, $Problem)
    if ($Problem -is [System.Management.Automation.ErrorRecord]) {
        $text = $Problem.Exception.Message
    } else {
        $text = [string]$Problem
    }
    $problems.Add([ordered]@{ step = $Step; message = $text })
}

function Get-Instance {
    # Asks WMI for the listed properties only (much faster for SoftwareLicensingProduct); an
    # older licensing service lacks some of them, so on a query error it asks for all and
    # picks the listed ones afterwards. Callers wrap the result in @(): PowerShell unrolls it.
    param([string]$ClassName, [string]$Filter, [string[]]$Names)
    $query = @{ ClassName = $ClassName; ErrorAction = 'Stop' }
    if ($Filter) { $query.Filter = $Filter }
    try {
        return @(Get-CimInstance @query -Property $Names)
    } catch {
        return @(Get-CimInstance @query)
    }
}

function Select-Value {
    # An ordered dictionary of the listed properties an instance has (null values kept).
    param($Instance, [string[]]$Names)
    $result = [ordered]@{}
    foreach ($name in $Names) {
        $property = $Instance.CimInstanceProperties[$name]
        if ($null -ne $property) {
            $value = $property.Value
            if ($value -is [datetime]) { $value = $value.ToUniversalTime().ToString('o') }
            $result[$name] = $value
        }
    }
    return $result
}

# --- computer, domain, forest, OS
$computer = $env:COMPUTERNAME
$dnsHostName = $null
$domain = $null
$partOfDomain = $null
$forest = $null
$os = [ordered]@{ caption = $null; version = $null; build = $null }

try {
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem -ErrorAction Stop
    if ($cs.Name) { $computer = $cs.Name }
    $domain = $cs.Domain
    $partOfDomain = [bool]$cs.PartOfDomain
    if ($cs.DNSHostName -and $partOfDomain) { $dnsHostName = '{0}.{1}' -f $cs.DNSHostName, $cs.Domain }
} catch {
    Add-Problem 'computer' $_
}

if ($partOfDomain) {
    try {
        Add-Type -AssemblyName System.DirectoryServices
        $forest = [System.DirectoryServices.ActiveDirectory.Forest]::GetCurrentForest().Name
    } catch {
        # No DC reachable with the current credentials (e.g. a remote session's second hop):
        # ask the local DC locator instead.
        $firstProblem = $_
        try {
            $netbios = ($domain -split '\.')[0]
            $ntDomain = @(Get-CimInstance -ClassName Win32_NTDomain -ErrorAction Stop |
                Where-Object { $_.DnsForestName -and ($_.DomainName -eq $netbios -or $_.DomainName -eq $domain) })
            if ($ntDomain.Count -gt 0) {
                $forest = $ntDomain[0].DnsForestName
            } else {
                Add-Problem 'forest' $firstProblem
            }
        } catch {
            Add-Problem 'forest' $firstProblem
        }
    }
}

# --- the DC this machine's secure channel uses (Win32_NTDomain: the netlogon DC locator's
# choice, which the Software Protection service's LDAP reads normally go to as well)
$domainController = $null
if ($partOfDomain) {
    try {
        $netbiosName = ($domain -split '\.')[0]
        $dcDomain = @(Get-CimInstance -ClassName Win32_NTDomain -ErrorAction Stop |
            Where-Object { $_.DomainControllerName -and ($_.DomainName -eq $netbiosName -or $_.DnsForestName) })
        if ($dcDomain.Count -gt 0) {
            $domainController = ($dcDomain[0].DomainControllerName -replace '^\\\\', '')
        }
    } catch {
        Add-Problem 'domain_controller' $_
    }
}

try {
    $osInfo = Get-CimInstance -ClassName Win32_OperatingSystem -ErrorAction Stop
    $os.caption = $osInfo.Caption
    $os.version = $osInfo.Version
    $os.build = $osInfo.BuildNumber
} catch {
    Add-Problem 'os' $_
}

# --- SoftwareLicensingService and SoftwareLicensingProduct (products with a key only)
$service = $null
try {
    $instances = @(Get-Instance -ClassName 'SoftwareLicensingService' -Names $ServiceProperties)
    if ($instances.Count -gt 0) { $service = Select-Value $instances[0] $ServiceProperties }
} catch {
    Add-Problem 'service' $_
}

$products = @()
try {
    $instances = @(Get-Instance -ClassName 'SoftwareLicensingProduct' -Filter 'PartialProductKey IS NOT NULL' -Names $ProductProperties)
    foreach ($instance in $instances) {
        $products += , (Select-Value $instance $ProductProperties)
    }
} catch {
    Add-Problem 'products' $_
}

# --- Security-SPP events of the last $Days days
$events = @()
try {
    $filter = @{ LogName = 'Application'; ProviderName = $SppProvider; Id = $EventIds }
    if ($Days -gt 0) { $filter.StartTime = (Get-Date).AddDays(-$Days) }
    $records = @(Get-WinEvent -FilterHashtable $filter -MaxEvents $MaxEvents -ErrorAction Stop)
    foreach ($record in $records) {
        $values = @()
        foreach ($property in $record.Properties) {
            if ($null -eq $property.Value) { $values += '' } else { $values += [string]$property.Value }
        }
        $time = $null
        if ($record.TimeCreated) { $time = $record.TimeCreated.ToUniversalTime().ToString('o') }
        $events += , ([ordered]@{
            Id           = $record.Id
            ProviderName = $record.ProviderName
            RecordId     = $record.RecordId
            TimeCreated  = $time
            Message      = $record.Message
            Properties   = $values
        })
    }
} catch {
    if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { Add-Problem 'events' $_ }
}

# --- the document
$document = [ordered]@{
    format            = 'adba-collector'
    format_version    = $FormatVersion
    collector_version = $CollectorVersion
    collected_at      = (Get-Date).ToUniversalTime().ToString('o')
    computer          = $computer
    dns_host_name     = $dnsHostName
    domain            = $domain
    part_of_domain    = $partOfDomain
    forest            = $forest
    domain_controller = $domainController
    os                = $os
    service           = $service
    products          = $products
    events_days       = $Days
    events            = $events
    errors            = @($problems.ToArray())
}
$json = ConvertTo-Json -InputObject $document -Depth 6

if ($PSCmdlet.ParameterSetName -eq 'Stdout') {
    # No 'exit' here: under Invoke-Command the document is the script's output.
    Write-Output $json
    return
}

if ($PSCmdlet.ParameterSetName -eq 'Directory') {
    $safeName = ($computer -replace '[^A-Za-z0-9._-]', '_') + '.adba.json'
    $target = Join-Path -Path $OutDirectory -ChildPath $safeName
} else {
    $target = $OutFile
}

try {
    $target = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($target)
    $parent = Split-Path -Path $target -Parent
    if ($parent -and -not (Test-Path -LiteralPath $parent)) {
        New-Item -ItemType Directory -Path $parent -Force | Out-Null
    }
    # Write beside the target, then rename: a reader never sees half a file.
    $temporary = $target + '.partial'
    [System.IO.File]::WriteAllText($temporary, $json, (New-Object System.Text.UTF8Encoding($false)))
    Move-Item -LiteralPath $temporary -Destination $target -Force
} catch {
    Write-Error -Message ("Collect-AdbaStatus: cannot write {0}: {1}" -f $target, $_.Exception.Message) -ErrorAction Continue
    exit 1
}
exit 0
