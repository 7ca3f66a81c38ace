//! The presets an organizer saved on this device, next to the built-in ones, as JSON files in
//! the data folder's `import-presets/`.

use std::path::{Path, PathBuf};

use crate::{ImportError, Preset, BUILT_IN};

/// The presets folder of a device's data folder.
pub struct Presets {
    dir: PathBuf,
}

impl Presets {
    pub fn in_data_dir(data_dir: &Path) -> Presets {
        Presets { dir: data_dir.join("import-presets") }
    }

    /// A saved preset by that name, else the built-in one.
    pub fn load(&self, name: &str) -> Result<Preset, ImportError> {
        match std::fs::read(self.file(name)?) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ImportError::BadPreset(e.to_string())),
            Err(_) if BUILT_IN.contains(&name) => Preset::built_in(name),
            Err(_) => Err(ImportError::UnknownPreset(name.to_string(), BUILT_IN.join(", "))),
        }
    }

    /// Saves `preset` whole or not at all (written aside, then renamed over any old one).
    pub fn save(&self, name: &str, preset: &Preset) -> Result<PathBuf, ImportError> {
        let file = self.file(name)?;
        let json = serde_json::to_vec_pretty(preset).map_err(|e| ImportError::BadPreset(e.to_string()))?;
        let aside = file.with_extension("json.partial");
        std::fs::create_dir_all(&self.dir)
            .and_then(|_| std::fs::write(&aside, json))
            .and_then(|_| std::fs::rename(&aside, &file))
            .map_err(|e| ImportError::PresetNotSaved(format!("{}: {e}", file.display())))?;
        Ok(file)
    }

    /// Whether `name` can name a preset: letters, digits, - and _.
    pub fn check_name(name: &str) -> Result<(), ImportError> {
        match !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            true => Ok(()),
            false => Err(ImportError::PresetName(name.to_string())),
        }
    }

    /// The built-in presets, then the saved ones, by name.
    pub fn names(&self) -> Vec<String> {
        let saved = std::fs::read_dir(&self.dir).into_iter().flatten().flatten().filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().strip_suffix(".json")?.to_string();
            (!BUILT_IN.contains(&name.as_str())).then_some(name)
        });
        let mut saved: Vec<String> = saved.collect();
        saved.sort();
        BUILT_IN.iter().map(|n| n.to_string()).chain(saved).collect()
    }

    fn file(&self, name: &str) -> Result<PathBuf, ImportError> {
        Presets::check_name(name)?;
        Ok(self.dir.join(format!("{name}.json")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mapping;

    #[test]
    fn a_saved_preset_is_listed_and_loaded_and_a_bad_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let presets = Presets::in_data_dir(dir.path());
        assert_eq!(presets.names(), ["google-form", "airtable"]);
        let mapping = Mapping::suggest(&["Phone".to_string()]);
        let preset = Preset::saved(&mapping, &Default::default(), None);
        presets.save("our-sheet", &preset).unwrap();
        assert_eq!(presets.names(), ["google-form", "airtable", "our-sheet"]);
        assert_eq!(presets.load("our-sheet").unwrap(), preset);
        assert!(matches!(presets.save("../x", &preset), Err(ImportError::PresetName(_))));
        assert!(matches!(presets.load("nope"), Err(ImportError::UnknownPreset(..))));
    }
}
