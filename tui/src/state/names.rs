//! Names of the regions and departments the caller may read, so views show `鼓楼区` rather
//! than `#4`. An id the console has no name for (not in the caller's scope, or created since
//! the last read) shows as `#id`.

use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct OrgNames {
    pub regions: HashMap<i64, String>,
    pub departments: HashMap<i64, String>,
}

fn named(map: &HashMap<i64, String>, id: i64) -> String {
    map.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

impl OrgNames {
    pub fn region(&self, id: i64) -> String {
        named(&self.regions, id)
    }

    pub fn department(&self, id: i64) -> String {
        named(&self.departments, id)
    }

    /// `鼓楼区 #4`, or `#4` without a name: for details, where the id helps a filter.
    pub fn region_with_id(&self, id: i64) -> String {
        with_id(&self.regions, id)
    }

    pub fn department_with_id(&self, id: i64) -> String {
        with_id(&self.departments, id)
    }

    /// The ids whose region name contains `text` (for the alerts filter's `region:` term).
    pub fn regions_named(&self, text: &str) -> Vec<i64> {
        matching(&self.regions, text)
    }

    pub fn departments_named(&self, text: &str) -> Vec<i64> {
        matching(&self.departments, text)
    }
}

fn with_id(map: &HashMap<i64, String>, id: i64) -> String {
    match map.get(&id) {
        Some(name) => format!("{name} #{id}"),
        None => format!("#{id}"),
    }
}

fn matching(map: &HashMap<i64, String>, text: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = map
        .iter()
        .filter(|(_, name)| name.contains(text))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> OrgNames {
        OrgNames {
            regions: HashMap::from([
                (1, "福州市".into()),
                (4, "鼓楼区".into()),
                (5, "台江区".into()),
            ]),
            departments: HashMap::from([(10, "市场监督管理局".into())]),
        }
    }

    #[test]
    fn known_ids_show_their_names_and_unknown_ones_their_id() {
        let n = names();
        assert_eq!(n.region(4), "鼓楼区");
        assert_eq!(n.region(99), "#99");
        assert_eq!(n.department(10), "市场监督管理局");
        assert_eq!(n.department(11), "#11");
        assert_eq!(n.region_with_id(4), "鼓楼区 #4");
        assert_eq!(n.department_with_id(11), "#11");
    }

    #[test]
    fn a_part_of_a_name_finds_every_region_that_has_it() {
        let n = names();
        assert_eq!(n.regions_named("区"), vec![4, 5]);
        assert_eq!(n.regions_named("鼓楼"), vec![4]);
        assert!(n.regions_named("厦门").is_empty());
        assert_eq!(n.departments_named("市场"), vec![10]);
    }
}
