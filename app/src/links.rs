//! The external links the original page shows (D6–D10, D17–D20), computed once here so the
//! table only renders them.

use serde::{Deserialize, Serialize};

/// PdmV base URL (D8).
pub const PDMV: &str = "https://cms-pdmv-prod.web.cern.ch";
/// DAS dataset search prefix (A10).
pub const DAS: &str = "https://cmsweb.cern.ch/das/request?view=list&limit=50&instance=prod%2Fglobal&input=dataset%3D";

/// A labelled link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Text shown.
    pub label: String,
    /// Target URL.
    pub href: String,
}

impl Link {
    fn new(label: &str, href: String) -> Self {
        Link { label: label.to_owned(), href }
    }
}

/// The PdmV service a PrepID belongs to (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Service {
    /// McM (Monte Carlo).
    Mc,
    /// ReReco with a machine PrepID.
    RerecoMachine,
    /// Other ReReco PrepIDs.
    Rereco,
    /// RelVal with a machine PrepID.
    RelvalMachine,
    /// Other RelVal PrepIDs.
    Relval,
    /// Anything else, or no PrepID.
    Unknown,
}

fn five_digit_tail(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 6 && b[b.len() - 6] == b'-' && b[b.len() - 5..].iter().all(u8::is_ascii_digit)
}

/// D7: the service of a PrepID, first rule that matches the whole PrepID.
pub fn service(prep_id: Option<&str>) -> Service {
    let Some(p) = prep_id.filter(|p| !p.is_empty()) else { return Service::Unknown };
    if let Some(rest) = p.strip_prefix("ReReco-") {
        return if five_digit_tail(rest) { Service::RerecoMachine } else { Service::Rereco };
    }
    if let Some(rest) = p.strip_prefix("CMSSW_") {
        return if five_digit_tail(rest) { Service::RelvalMachine } else { Service::Relval };
    }
    let mc = p.strip_prefix("task_").unwrap_or(p);
    let b = mc.as_bytes();
    if b.len() >= 4
        && b[..3].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[3] == b'-'
        && five_digit_tail(&mc[4..])
    {
        return Service::Mc;
    }
    Service::Unknown
}

fn q(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn pmp(name: &str) -> Link {
    Link::new("pMp", format!("{PDMV}/pmp/historical?r={}", q(name)))
}

/// D8–D9: links of one campaign name.
pub fn campaign_links(name: &str, service: Service) -> Vec<Link> {
    let first = match service {
        Service::Mc => Some(Link::new("McM", format!("{PDMV}/mcm/campaigns?prepid={}", q(name)))),
        Service::RerecoMachine => Some(Link::new("ReReco", format!("{PDMV}/rereco/subcampaigns?prepid={}", q(name)))),
        Service::RelvalMachine => {
            let a = name.split("__").next().unwrap_or(name);
            let after = name.rsplit("__").next().unwrap_or(name);
            let b = after.split('-').next().unwrap_or(after);
            let c = name.rsplit('-').next().unwrap_or(name);
            Some(Link::new(
                "RelVal",
                format!("{PDMV}/relval/relvals?cmssw_release={}&batch_name={}&campaign_timestamp={}", q(a), q(b), q(c)),
            ))
        }
        _ => None,
    };
    first.into_iter().chain([pmp(name)]).collect()
}

/// D8, D10: links of one request (task PrepID).
pub fn request_links(name: &str, service: Service) -> Vec<Link> {
    let first = match service {
        Service::Mc => Some(Link::new("McM", format!("{PDMV}/mcm/requests?prepid={}", q(name)))),
        Service::RerecoMachine => Some(Link::new("ReReco", format!("{PDMV}/rereco/requests?prepid={}", q(name)))),
        Service::RelvalMachine => Some(Link::new("RelVal", format!("{PDMV}/relval/relvals?prepid={}", q(name)))),
        _ => None,
    };
    first.into_iter().chain([pmp(name)]).collect()
}

/// D17–D18: ReqMgr2 always; CMSUnified and the computing status page with a PrepID.
pub fn workflow_links(request_name: &str, prep_id: Option<&str>) -> Vec<Link> {
    let mut out = vec![Link::new("ReqMgr2", format!("https://cmsweb.cern.ch/reqmgr2/fetch?rid={}", q(request_name)))];
    if let Some(p) = prep_id.filter(|p| !p.is_empty()) {
        out.push(Link::new(
            "CMSUnified",
            format!("https://cms-unified.web.cern.ch/cms-unified/showlog/?search={}", q(p)),
        ));
        out.push(Link::new(
            "Computing status page",
            format!("https://dmytro.web.cern.ch/dmytro/cmsprodmon/workflows.php?prep_id={}", q(p)),
        ));
    }
    out
}

/// A10: DAS link of a dataset (the name is appended as is, as in the original).
pub fn das(dataset: &str) -> String {
    format!("{DAS}{dataset}")
}

/// D20: DQMIO harvesting link.
pub fn harvesting(dataset: &str) -> String {
    format!("https://cmsweb.cern.ch/reqmgr2/data/request?detail=true&inputdataset={}", q(dataset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d7_services_first_full_match_wins() {
        assert_eq!(service(Some("ReReco-Run2022C-JetMET0-27Jun2023-00042")), Service::RerecoMachine);
        assert_eq!(service(Some("ReReco-Run2022C")), Service::Rereco);
        assert_eq!(service(Some("CMSSW_13_0_0__RelVal_2023-1690000000-00030")), Service::RelvalMachine);
        assert_eq!(service(Some("CMSSW_13_0_0")), Service::Relval);
        assert_eq!(service(Some("HIG-RunIISummer20UL17wmLHEGEN-00123")), Service::Mc);
        assert_eq!(service(Some("task_SUS-RunIIFall17NanoAOD-00019")), Service::Mc);
        assert_eq!(service(Some("hig-RunII-00123")), Service::Unknown);
        assert_eq!(
            service(Some("TEST-TEST-HIG-RunIISummer15wmLHEGS-00744")),
            Service::Unknown,
            "TES is fine but TEST- is not 3 chars then '-'"
        );
        assert_eq!(service(Some("")), Service::Unknown);
        assert_eq!(service(None), Service::Unknown);
    }

    #[test]
    fn d9_relval_campaign_link_parts() {
        let l = campaign_links("CMSSW_13_0_0__RelVal_batch-1690000000", Service::RelvalMachine);
        assert_eq!(l[0].href, format!("{PDMV}/relval/relvals?cmssw_release=CMSSW_13_0_0&batch_name=RelVal_batch&campaign_timestamp=1690000000"));
        assert_eq!(l[1].label, "pMp");
        assert_eq!(campaign_links("Run3Summer22", Service::Rereco).len(), 1, "only pMp for non-machine services");
    }

    #[test]
    fn d10_d17_d18_links() {
        assert_eq!(
            request_links("HIG-X-00001", Service::Mc)[0].href,
            format!("{PDMV}/mcm/requests?prepid=HIG-X-00001")
        );
        let w = workflow_links("wf", Some("HIG-X-00001"));
        assert_eq!(
            w.iter().map(|l| l.label.as_str()).collect::<Vec<_>>(),
            ["ReqMgr2", "CMSUnified", "Computing status page"]
        );
        assert_eq!(workflow_links("wf", Some("")).len(), 1);
    }
}
