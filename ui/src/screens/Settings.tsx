import type { JSX } from 'preact';
import { BackLink, ScreenTitle } from '../components/ui';
import { LANGS, type Lang } from '../i18n';
import { href } from '../router';
import { setLang, useApp } from '../store';
import { shortId } from '../logic/time';

const NAMES: Record<Lang, string> = { en: 'English', es: 'Español' };

export function SettingsScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  return (
    <div class="screen">
      <BackLink to={href.needs()} label={t('settings.back')} />
      <ScreenTitle>{t('settings.title')}</ScreenTitle>
      <section class="card form">
        <div class="field">
          <label for="lang-select">{t('settings.language')}</label>
          <p class="hint" id="lang-select-hint">
            {t('settings.language_hint')}
          </p>
          <select id="lang-select" data-testid="lang-select" value={app.lang} aria-describedby="lang-select-hint" onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            {LANGS.map((l) => (
              <option key={l} value={l} lang={l}>
                {NAMES[l]}
              </option>
            ))}
          </select>
        </div>
      </section>
      {app.status?.group ? (
        <section class="card">
          <h2>{t('settings.group')}</h2>
          <dl class="facts">
            <div class="fact">
              <dt>{t('settings.group_name')}</dt>
              <dd>{app.status.group.name}</dd>
            </div>
            {app.status.me ? (
              <div class="fact">
                <dt>{t('settings.you')}</dt>
                <dd>
                  {app.status.me.display_name} · {t(`role.${app.status.me.role}`)}
                </dd>
              </div>
            ) : null}
            <div class="fact">
              <dt>{t('settings.areas')}</dt>
              <dd>{app.status.group.areas.length ? t.list(app.status.group.areas) : t('settings.areas_any')}</dd>
            </div>
            <div class="fact">
              <dt>{t('sync.device_id')}</dt>
              <dd>
                <code>{shortId(app.status.device_id)}</code>
              </dd>
            </div>
          </dl>
        </section>
      ) : null}
      <section class="card about">
        <h2>{t('settings.about')}</h2>
        <p>{t('settings.about_text')}</p>
        <p class="muted">{t('settings.privacy')}</p>
      </section>
    </div>
  );
}
